import { render, screen, within } from "@testing-library/react";
import { describe, expect, test } from "vitest";
import type { TimelineEntry } from "../api/types";
import { Timeline } from "./Timeline";

const at = "2026-11-26T03:30:30.893166Z";
const entries: TimelineEntry[] = [
  { seq: 1, kind: "Placed", status: "Placed", at, detail: { lines: 2, total: { amount: 2598, currency: "EUR" } }, correlationId: "corr-1" },
  { seq: 2, kind: "PaymentFailed", status: "Placed", at, detail: { commands: ["ReleaseStock"], reason: "card declined", sagaState: "Compensating" }, correlationId: "corr-2" },
  { seq: 3, kind: "Cancelled", status: "Cancelled", at, detail: { reason: "card declined", was: "Placed" }, correlationId: "corr-2" },
  { seq: 4, kind: "StockReleased", status: "Cancelled", at, detail: { commands: [], sagaState: "Cancelled" }, correlationId: null },
];

describe("Timeline", () => {
  test("shows each saga step with its time, reason, compensations and correlation id", () => {
    render(<Timeline entries={entries} state="live" />);
    const list = screen.getByRole("list");
    expect(list).toHaveAttribute("aria-live", "polite");
    const items = within(list).getAllByRole("listitem");
    expect(items.map((li) => li.querySelector("strong")?.textContent)).toEqual([
      "Order placed",
      "Payment failed",
      "Cancelled",
      "Stock released",
    ]);
    expect(items[0]).toHaveTextContent("2 lines");
    expect(items[0]).toHaveTextContent("corr-1");
    expect(items[1]).toHaveTextContent("Reason: card declined");
    expect(items[1]).toHaveTextContent("Compensations: release stock");
    expect(items[2]?.querySelector("time")).toHaveAttribute("datetime", at);
    expect(items[3]).not.toHaveTextContent("correlation id");
    expect(screen.getByText("Live")).toBeInTheDocument();
  });

  test("says when the stream is reconnecting", () => {
    render(<Timeline entries={[]} state="reconnecting" />);
    expect(screen.getByText(/reconnecting/)).toBeInTheDocument();
    expect(screen.getByText("No entries yet.")).toBeInTheDocument();
  });
});
