import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import { json, mockFetch, problem } from "../test/fetch";
import { AdminPage } from "./AdminPage";

const cleared = { declineRate: 0, latencyMs: 0, failNextTransient: 0, failNextPermanent: 0, crashOnNext: false };

const letter = {
  group: "payment-service",
  topic: "order-events.dlt",
  partition: 0,
  offset: 4,
  key: "o-1",
  eventId: "e-1",
  eventType: "orderflow.order.placed.v1",
  originalTopic: "order-events",
  originalPartition: 1,
  originalOffset: 17,
  errorKind: "permanent",
  exceptionMessage: "injected permanent failure",
  attempts: 1,
  firstFailedAt: "2026-01-01T00:00:00Z",
  failedAt: "2026-01-01T00:00:00Z",
  payload: "{}",
};

describe("AdminPage", () => {
  test("asks for the token, then sets the payment service's faults with it", async () => {
    let faults = { ...cleared };
    const { calls } = mockFetch(({ method, path, body }) => {
      if (path === "/api/admin/payment/faults" && method === "POST") {
        faults = { ...faults, ...(body as object) };
        return json(faults);
      }
      if (path === "/api/admin/payment/faults" && method === "DELETE") {
        faults = { ...cleared };
        return new Response(null, { status: 204 });
      }
      if (path.endsWith("/faults")) return json(faults);
      return json({ items: [] });
    });
    const user = userEvent.setup();
    render(<AdminPage />);
    await user.type(screen.getByLabelText("Admin token"), "secret");
    await user.click(screen.getByRole("button", { name: "Unlock admin" }));

    const form = await screen.findByRole("form", { name: "Faults of the payment service" });
    const rate = within(form).getByLabelText("Decline rate");
    await user.clear(rate);
    await user.type(rate, "1");
    await user.click(within(form).getByLabelText("Crash on the next message"));
    await user.click(within(form).getByRole("button", { name: "Apply faults" }));

    expect(await screen.findByText("Faults of the payment service applied.")).toBeInTheDocument();
    const post = calls.find((c) => c.method === "POST" && c.path === "/api/admin/payment/faults");
    expect(post?.headers.get("Authorization")).toBe("Bearer secret");
    expect(post?.body).toEqual({ ...cleared, declineRate: 1, crashOnNext: true });

    await user.click(within(form).getByRole("button", { name: "Clear all faults" }));
    expect(await screen.findByText("Faults of the payment service cleared.")).toBeInTheDocument();
    expect(calls.some((c) => c.method === "DELETE" && c.path === "/api/admin/payment/faults")).toBe(true);
    // Clearing answers 204, so the form re-reads the faults; waitFor lets that render settle.
    await waitFor(() => expect(within(form).getByLabelText("Decline rate")).toHaveValue(0));
  });

  test("shows a refused token as a readable error", async () => {
    sessionStorage.setItem("orderflow.adminToken", JSON.stringify("wrong"));
    mockFetch(() => problem(401, "Unauthorized", { detail: "a valid admin token is required" }));
    render(<AdminPage />);
    expect((await screen.findAllByRole("alert"))[0]).toHaveTextContent("Unauthorized: a valid admin token is required");
  });

  test("lists dead letters per service and replays one", async () => {
    sessionStorage.setItem("orderflow.adminToken", JSON.stringify("secret"));
    const { calls } = mockFetch(({ method, path }) => {
      if (path.endsWith("/faults")) return json(cleared);
      if (method === "POST" && path === "/api/admin/payment/dead-letters/replay") return json({ replayed: 1 });
      return json({ items: path === "/api/admin/payment/dead-letters" ? [letter] : [] });
    });
    const user = userEvent.setup();
    render(<AdminPage />);
    const payment = await screen.findByRole("region", { name: /^payment/ });
    await user.click(await within(payment).findByRole("button", { name: "Replay orderflow.order.placed.v1 at offset 4" }));
    expect(await within(payment).findByText("Replayed 1 record.")).toBeInTheDocument();
    const replay = calls.find((c) => c.method === "POST" && c.path.endsWith("/replay"));
    expect(replay?.body).toEqual({ group: "payment-service", originalTopic: "order-events", partition: 0, offset: 4 });
  });
});
