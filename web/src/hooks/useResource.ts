// Loads data for a view. When the platform is unreachable the view keeps what it showed,
// and reloads by itself once the connectivity prober sees the platform again.
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError } from "../api/problem";
import { whenOnline } from "../api/connectivity";

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

export function useResource<T>(
  load: () => Promise<T>,
  deps: readonly unknown[],
  options: { refreshMs?: number } = {},
): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const reload = useCallback(() => setGeneration((g) => g + 1), []);

  // New inputs mean old data no longer applies.
  useEffect(() => {
    setData(undefined);
  }, deps);

  useEffect(() => {
    let live = true;
    let stopWaiting: (() => void) | null = null;
    setLoading(true);
    loadRef.current().then(
      (value) => {
        if (!live) return;
        setData(value);
        setError(null);
        setLoading(false);
      },
      (failure: unknown) => {
        if (!live) return;
        setError(failure);
        setLoading(false);
        if (failure instanceof ApiError && failure.unavailable) stopWaiting = whenOnline(reload);
      },
    );
    return () => {
      live = false;
      stopWaiting?.();
    };
  }, [...deps, generation]);

  useEffect(() => {
    if (!options.refreshMs) return;
    const timer = setInterval(reload, options.refreshMs);
    return () => clearInterval(timer);
  }, [options.refreshMs, reload]);

  return { data, error, loading, reload };
}
