import { act, render, screen } from "@testing-library/react";
import { describe, expect, test, vi } from "vitest";
import { PROBE_URL, backoffDelay } from "../api/connectivity";
import { CataloguePage } from "../pages/CataloguePage";
import { mug as product } from "../test/fixtures";
import { json, mockFetch } from "../test/fetch";
import { ConnectivityBanner } from "./ConnectivityBanner";

describe("while the platform is down", () => {
  test("backs off exponentially up to 30 s", () => {
    expect([0, 1, 2, 3, 10].map(backoffDelay)).toEqual([1000, 2000, 4000, 8000, 30000]);
  });

  test("the app says so, retries with backoff and recovers by itself", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    let up = false;
    const { calls } = mockFetch(() => {
      if (!up) throw new TypeError("Failed to fetch");
      return json({ items: [product], page: 1, perPage: 20, total: 1 });
    });
    render(
      <>
        <ConnectivityBanner />
        <CataloguePage />
      </>,
    );
    expect(await screen.findByText("OrderFlow is unreachable.")).toBeInTheDocument();
    expect(screen.getAllByRole("alert")[0]).toHaveTextContent(/unreachable/);
    // The live region announces the outage, not the countdown ticking beside it.
    const live = screen.getByText("OrderFlow is unreachable.").closest('[role="status"]');
    expect(live).toHaveTextContent(/^OrderFlow is unreachable\.$/);
    expect(screen.getByRole("button", { name: "Retry now" })).toBeInTheDocument();

    // The first probe fails too; the next one waits twice as long.
    await act(() => vi.advanceTimersByTimeAsync(1_000));
    expect(calls.filter((c) => c.path + "?" + c.search.toString() === PROBE_URL)).toHaveLength(1);
    expect(screen.getByText(/attempt 2/)).toBeInTheDocument();

    up = true;
    await act(() => vi.advanceTimersByTimeAsync(2_000));
    expect(await screen.findByRole("link", { name: "Blue mug" })).toBeInTheDocument();
    expect(screen.queryByText("OrderFlow is unreachable.")).not.toBeInTheDocument();
  });
});
