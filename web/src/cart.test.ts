import { describe, expect, test, vi } from "vitest";
import { addToCart, NoCustomerError, placeOrder } from "./cart";
import { cart, selectedCustomer } from "./hooks/session";
import { json, mockFetch, problem } from "./test/fetch";

const draft = (id: string) => ({
  id,
  customerId: "c-1",
  status: "Draft",
  lines: [],
  createdAt: "2026-01-01T00:00:00Z",
  history: [],
  version: 1,
});

describe("addToCart", () => {
  test("needs a customer", async () => {
    await expect(addToCart("p-1", 1)).rejects.toBeInstanceOf(NoCustomerError);
  });

  test("starts a draft, then waits for a product the order service has not heard of yet", async () => {
    vi.useFakeTimers();
    selectedCustomer.set({ id: "c-1", name: "Ada", email: "ada@example.com" });
    let attempts = 0;
    const { calls } = mockFetch(({ path }) => {
      if (path === "/api/orders") return json(draft("o-1"), 201);
      attempts += 1;
      return attempts < 3
        ? problem(422, "Refused by a business rule", { code: "unknown-product" })
        : json({ ...draft("o-1"), lines: [{ productId: "p-1", quantity: 1 }] });
    });
    const added = addToCart("p-1", 1);
    await vi.runAllTimersAsync();
    await expect(added).resolves.toMatchObject({ id: "o-1" });
    expect(calls.filter((c) => c.path === "/api/orders")).toHaveLength(1);
    expect(attempts).toBe(3);
    expect(cart.get()).toEqual({ orderId: "o-1", customerId: "c-1" });
  });

  test("starts a new draft when the old one was placed", async () => {
    selectedCustomer.set({ id: "c-1", name: "Ada", email: "ada@example.com" });
    cart.set({ orderId: "o-old", customerId: "c-1" });
    mockFetch(({ path }) => {
      if (path === "/api/orders") return json(draft("o-new"), 201);
      if (path === "/api/orders/o-old/lines") return problem(422, "Refused", { code: "order-not-draft" });
      return json(draft("o-new"));
    });
    await expect(addToCart("p-1", 1)).resolves.toMatchObject({ id: "o-new" });
    expect(cart.get()?.orderId).toBe("o-new");
  });
});

describe("placeOrder", () => {
  test("waits for a customer the order service has not heard of yet", async () => {
    vi.useFakeTimers();
    let attempts = 0;
    mockFetch(() => {
      attempts += 1;
      return attempts < 3
        ? problem(422, "Refused by a business rule", { code: "unknown-customer" })
        : json({ ...draft("o-1"), status: "Placed" }, 202);
    });
    const placed = placeOrder("o-1");
    await vi.runAllTimersAsync();
    await expect(placed).resolves.toBeUndefined();
    expect(attempts).toBe(3);
  });

  test("gives up at once on other refusals", async () => {
    let attempts = 0;
    mockFetch(() => {
      attempts += 1;
      return problem(422, "Refused by a business rule", { code: "empty-order" });
    });
    await expect(placeOrder("o-1")).rejects.toMatchObject({ code: "empty-order" });
    expect(attempts).toBe(1);
  });
});
