import { describe, expect, test, vi } from "vitest";
import { followTimeline, parseSse } from "./timeline";

describe("parseSse", () => {
  test("splits complete events and keeps the partial one", () => {
    const { events, rest } = parseSse(
      'id: 1\nevent: Created\ndata: {"seq":1}\n\n: keep-alive\n\nid: 2\r\nevent: Placed\r\ndata: {"seq":2}\r\n\r\nid: 3\ndata: {"se',
    );
    expect(events).toEqual([
      { id: "1", event: "Created", data: '{"seq":1}' },
      { id: "2", event: "Placed", data: '{"seq":2}' },
    ]);
    expect(rest).toBe('id: 3\ndata: {"se');
  });

  test("joins multi-line data", () => {
    expect(parseSse("data: a\ndata: b\n\n").events).toEqual([{ id: null, event: null, data: "a\nb" }]);
  });
});

function entry(seq: number, kind: string) {
  return { seq, kind, status: "Placed", at: "2026-01-01T00:00:00Z", detail: {}, correlationId: "c" };
}

function stream(chunks: string[]): Response {
  const encoder = new TextEncoder();
  return new Response(
    new ReadableStream({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
        controller.close();
      },
    }),
    { headers: { "Content-Type": "text/event-stream" } },
  );
}

describe("followTimeline", () => {
  test("delivers entries across chunks and resumes after the last one on reconnect", async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const lastEventIds: (string | null)[] = [];
    const first = `id: 1\nevent: Created\ndata: ${JSON.stringify(entry(1, "Created"))}\n\nid: 2\nevent: Placed\ndata: ${JSON.stringify(entry(2, "Placed"))}`;
    const responses = [
      stream([first.slice(0, 40), first.slice(40), "\n\n"]),
      stream([`id: 3\nevent: Confirmed\ndata: ${JSON.stringify(entry(3, "Confirmed"))}\n\n`]),
    ];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (_url: string, init: RequestInit) => {
        lastEventIds.push(new Headers(init.headers).get("Last-Event-ID"));
        const next = responses.shift();
        if (!next) {
          controller.abort();
          throw new DOMException("aborted", "AbortError");
        }
        return next;
      }),
    );
    vi.useFakeTimers();
    const done = followTimeline("o-1", { onEntry: (e) => seen.push(e.seq), onState: () => undefined }, controller.signal);
    await vi.runAllTimersAsync();
    await done;
    expect(seen).toEqual([1, 2, 3]);
    expect(lastEventIds).toEqual([null, "2", "3"]);
  });

  test("stops on an unknown order", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response("{}", { status: 404 })));
    const states: string[] = [];
    await followTimeline("nope", { onEntry: () => undefined, onState: (s) => states.push(s) }, new AbortController().signal);
    expect(states).toEqual(["connecting", "not-found"]);
  });
});
