// Small values kept across reloads (the chosen customer, the open cart, the admin token),
// readable from any component and re-rendering all of them on change.
import { useSyncExternalStore } from "react";

export interface StoredValue<T> {
  get: () => T | null;
  set: (value: T | null) => void;
  use: () => T | null;
}

export function storedValue<T>(key: string, storage: () => Storage): StoredValue<T> {
  const listeners = new Set<() => void>();
  let cachedText: string | null | undefined;
  let cachedValue: T | null = null;

  const get = (): T | null => {
    let text: string | null = null;
    try {
      text = storage().getItem(key);
    } catch {
      // Storage can be disabled; behave as if empty.
    }
    if (text !== cachedText) {
      cachedText = text;
      try {
        cachedValue = text === null ? null : (JSON.parse(text) as T);
      } catch {
        cachedValue = null;
      }
    }
    return cachedValue;
  };
  const set = (value: T | null) => {
    try {
      if (value === null) storage().removeItem(key);
      else storage().setItem(key, JSON.stringify(value));
    } catch {
      // See above.
    }
    for (const listener of listeners) listener();
  };
  const subscribe = (listener: () => void) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  return { get, set, use: () => useSyncExternalStore(subscribe, get) };
}
