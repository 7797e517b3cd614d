// Follows an order's timeline over Server-Sent Events. fetch rather than EventSource:
// it sends Last-Event-ID on our own reconnects, sees every event name (EventSource needs
// a listener per name), and lets us back off when the gateway is down.
import type { paths } from "./schema";
import type { TimelineEntry } from "./types";
import { backoffDelay, isUnavailableStatus, reportDown } from "./connectivity";

// Typed against the schema so a renamed path fails the build.
const TIMELINE_PATH: keyof paths = "/api/orders/{id}/events";

export interface SseEvent {
  id: string | null;
  event: string | null;
  data: string;
}

/** Splits complete events off `buffer`; the rest is an event still arriving. */
export function parseSse(buffer: string): { events: SseEvent[]; rest: string } {
  const normalised = buffer.replace(/\r\n?/g, "\n");
  const blocks = normalised.split("\n\n");
  const rest = blocks.pop() ?? "";
  const events: SseEvent[] = [];
  for (const block of blocks) {
    let id: string | null = null;
    let event: string | null = null;
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line === "" || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "id") id = value;
      else if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    if (data.length > 0) events.push({ id, event, data: data.join("\n") });
  }
  return { events, rest };
}

export type StreamState = "connecting" | "live" | "reconnecting" | "not-found";

export interface TimelineHandlers {
  onEntry: (entry: TimelineEntry) => void;
  onState: (state: StreamState) => void;
}

/** Streams the order's entries until `signal` aborts, reconnecting with backoff. */
export async function followTimeline(
  orderId: string,
  handlers: TimelineHandlers,
  signal: AbortSignal,
): Promise<void> {
  const url = TIMELINE_PATH.replace("{id}", encodeURIComponent(orderId));
  let lastSeq = 0;
  let failures = 0;
  handlers.onState("connecting");
  while (!signal.aborted) {
    try {
      const headers: Record<string, string> = { Accept: "text/event-stream" };
      if (lastSeq > 0) headers["Last-Event-ID"] = String(lastSeq);
      const response = await globalThis.fetch(url, { headers, signal });
      if (response.status === 404 || response.status === 400) {
        handlers.onState("not-found");
        return;
      }
      if (isUnavailableStatus(response.status)) reportDown();
      if (!response.ok || !response.body) throw new Error(`timeline stream: HTTP ${response.status}`);
      failures = 0;
      handlers.onState("live");
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        const parsed = parseSse(buffer);
        buffer = parsed.rest;
        for (const event of parsed.events) {
          const entry = JSON.parse(event.data) as TimelineEntry;
          if (entry.seq <= lastSeq) continue;
          lastSeq = entry.seq;
          handlers.onEntry(entry);
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof TypeError) reportDown();
    }
    if (signal.aborted) return;
    handlers.onState("reconnecting");
    await sleep(backoffDelay(failures++), signal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    // Each reconnect sleeps, so the abort listener must not outlive its sleep.
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}
