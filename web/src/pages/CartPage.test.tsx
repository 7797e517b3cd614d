import { act, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import { cart, selectedCustomer } from "../hooks/session";
import { json, mockFetch, problem } from "../test/fetch";
import { CartPage } from "./CartPage";

const draft = {
  id: "o-1",
  customerId: "c-1",
  status: "Draft",
  lines: [
    {
      productId: "p-1",
      productName: "Blue mug",
      quantity: 2,
      unitPrice: { amount: 1299, currency: "EUR" },
      lineTotal: { amount: 2598, currency: "EUR" },
    },
  ],
  total: { amount: 2598, currency: "EUR" },
  createdAt: "2026-01-01T00:00:00Z",
  history: [],
  version: 2,
};

describe("CartPage", () => {
  test("asks for a customer first", async () => {
    mockFetch(() => json({}));
    render(<CartPage />);
    // Let the (empty) draft lookup settle.
    await act(async () => undefined);
    expect(screen.getByRole("link", { name: "Register or choose a customer" })).toBeInTheDocument();
  });

  test("places the draft and opens the order", async () => {
    selectedCustomer.set({ id: "c-1", name: "Ada Lovelace", email: "ada@example.com" });
    cart.set({ orderId: "o-1", customerId: "c-1" });
    const { calls } = mockFetch(({ method }) => (method === "POST" ? json({ ...draft, status: "Placed" }, 202) : json(draft)));
    const user = userEvent.setup();
    render(<CartPage />);
    expect(await screen.findByRole("link", { name: "Blue mug" })).toBeInTheDocument();
    expect(screen.getByLabelText("Quantity of Blue mug")).toHaveValue(2);
    await user.click(screen.getByRole("button", { name: "Place order" }));
    await expect.poll(() => window.location.pathname).toBe("/orders/o-1");
    expect(calls.some((c) => c.method === "POST" && c.path === "/api/orders/o-1/place")).toBe(true);
    expect(cart.get()).toBeNull();
  });

  test("shows why placing failed", async () => {
    selectedCustomer.set({ id: "c-1", name: "Ada Lovelace", email: "ada@example.com" });
    cart.set({ orderId: "o-1", customerId: "c-1" });
    mockFetch(({ method }) =>
      method === "POST"
        ? problem(422, "Customer deactivated", { detail: "the customer is deactivated", code: "customer-deactivated" })
        : json(draft),
    );
    const user = userEvent.setup();
    render(<CartPage />);
    await user.click(await screen.findByRole("button", { name: "Place order" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Customer deactivated: the customer is deactivated");
  });

  test("changes a quantity from the keyboard and shows the server's new total", async () => {
    selectedCustomer.set({ id: "c-1", name: "Ada Lovelace", email: "ada@example.com" });
    cart.set({ orderId: "o-1", customerId: "c-1" });
    const line = draft.lines[0]!;
    const updated = {
      ...draft,
      lines: [{ ...line, quantity: 3, lineTotal: { amount: 3897, currency: "EUR" } }],
      total: { amount: 3897, currency: "EUR" },
    };
    const { calls } = mockFetch(({ method }) => json(method === "PUT" ? updated : draft));
    const user = userEvent.setup();
    render(<CartPage />);
    const quantity = await screen.findByLabelText("Quantity of Blue mug");
    await user.clear(quantity);
    await user.type(quantity, "3{Enter}");
    await waitFor(() =>
      expect(calls.find((c) => c.method === "PUT")).toMatchObject({
        path: "/api/orders/o-1/lines/p-1",
        body: { quantity: 3 },
      }),
    );
    expect(await screen.findAllByText(/38\.97/)).not.toHaveLength(0);
    expect(screen.getByLabelText("Quantity of Blue mug")).toHaveValue(3);
  });
});
