import { render, screen, within } from "@testing-library/react";
import { describe, expect, test } from "vitest";
import { json, mockFetch } from "../test/fetch";
import { OrderDetailPage } from "./OrderDetailPage";

const base = {
  id: "o-1",
  customerId: "c-1",
  lines: [],
  total: { amount: 1299, currency: "EUR" },
  createdAt: "2026-01-01T00:00:00Z",
  history: [],
  version: 3,
};

function sse(entries: object[]): Response {
  const text = entries.map((e, i) => `id: ${i + 1}\nevent: x\ndata: ${JSON.stringify(e)}\n\n`).join("");
  const encoder = new TextEncoder();
  // Stays open like the real stream, after sending the backlog.
  return new Response(new ReadableStream({ start: (c) => c.enqueue(encoder.encode(text)) }), {
    headers: { "Content-Type": "text/event-stream" },
  });
}

describe("OrderDetailPage", () => {
  test("follows the live timeline to a cancellation with its reason", async () => {
    const at = "2026-01-01T00:00:01Z";
    const detail = { commands: ["ReleaseStock"], reason: "declined by fault injection" };
    let served = false;
    mockFetch(({ path }) => {
      if (path.endsWith("/events")) {
        served = true;
        return sse([
          { seq: 1, kind: "Placed", status: "Placed", at, detail: {}, correlationId: "corr" },
          { seq: 2, kind: "Cancelled", status: "Cancelled", at, detail, correlationId: "corr" },
        ]);
      }
      return json(
        served
          ? { ...base, status: "Cancelled", cancellationReason: "declined by fault injection" }
          : { ...base, status: "Placed" },
      );
    });
    render(<OrderDetailPage id="o-1" />);
    const timeline = screen.getByRole("region", { name: "Timeline" });
    expect(await within(timeline).findByText("Cancelled")).toBeInTheDocument();
    expect(await screen.findByTestId("cancellation-reason")).toHaveTextContent("declined by fault injection");
    expect(within(screen.getByTestId("order-status")).getByText("Cancelled")).toBeInTheDocument();
    expect(within(timeline).getByText("Live")).toBeInTheDocument();
  });
});
