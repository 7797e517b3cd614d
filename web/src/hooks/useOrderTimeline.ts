// The live timeline of one order, kept in sequence order without duplicates.
import { useEffect, useState } from "react";
import { followTimeline, type StreamState } from "../api/timeline";
import type { TimelineEntry } from "../api/types";

export function useOrderTimeline(orderId: string): { entries: TimelineEntry[]; state: StreamState } {
  const [entries, setEntries] = useState<TimelineEntry[]>([]);
  const [state, setState] = useState<StreamState>("connecting");

  useEffect(() => {
    setEntries([]);
    const controller = new AbortController();
    void followTimeline(
      orderId,
      {
        onEntry: (entry) =>
          setEntries((current) =>
            current.some((e) => e.seq === entry.seq)
              ? current
              : [...current, entry].sort((a, b) => a.seq - b.seq),
          ),
        onState: setState,
      },
      controller.signal,
    );
    return () => controller.abort();
  }, [orderId]);

  return { entries, state };
}
