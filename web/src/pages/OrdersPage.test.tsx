import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import { json, mockFetch } from "../test/fetch";
import { OrdersPage } from "./OrdersPage";

const order = (id: string, status: string) => ({
  id,
  customerId: "c-1",
  status,
  lines: [],
  total: { amount: 1299, currency: "EUR" },
  createdAt: "2026-01-01T00:00:00Z",
  history: [],
  version: 1,
});

describe("OrdersPage", () => {
  test("filters by status through the API", async () => {
    window.history.replaceState(null, "", "/orders");
    const { calls } = mockFetch(({ search }) => {
      const status = search.get("status");
      const items = status ? [order("cancelled-1", status)] : [order("confirmed-1", "Confirmed"), order("cancelled-1", "Cancelled")];
      return json({ items, page: 1, perPage: 20, total: items.length });
    });
    const user = userEvent.setup();
    render(<OrdersPage />);
    expect(await screen.findByRole("link", { name: "Order confirmed-1" })).toBeInTheDocument();

    await user.click(screen.getByRole("radio", { name: "Cancelled" }));
    expect(await screen.findByRole("radio", { name: "Cancelled" })).toBeChecked();
    await expect.poll(() => screen.queryByRole("link", { name: "Order confirmed-1" })).toBeNull();
    expect(screen.getByRole("link", { name: "Order cancelled-1" })).toBeInTheDocument();
    expect(calls.at(-1)?.search.get("status")).toBe("Cancelled");
    expect(window.location.search).toBe("?status=Cancelled");
  });
});
