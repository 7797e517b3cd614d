// The cart is a draft order on the server, so it survives reloads and other devices, and
// checkout is just placing it.
import { call, client } from "./api/client";
import { ApiError } from "./api/problem";
import type { Order } from "./api/types";
import { cart, selectedCustomer } from "./hooks/session";

export class NoCustomerError extends Error {
  constructor() {
    super("Choose a customer on the Customers page before shopping.");
    this.name = "NoCustomerError";
  }
}

/** The order context learns of new customers and products from their contexts' events, so
 * one created a moment ago can be briefly unknown there; it is worth waiting this long for it. */
const READ_MODEL_PATIENCE_MS = 30_000;

const hasCode = (error: unknown, code: string) => error instanceof ApiError && error.code === code;

/** `request`, repeated with backoff while it fails with the problem `code` of a read model that
 * has not caught up yet. */
async function untilKnown<T>(code: string, request: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + READ_MODEL_PATIENCE_MS;
  for (let delay = 250; ; delay = Math.min(delay * 2, 2_000)) {
    try {
      return await request();
    } catch (error) {
      if (!hasCode(error, code) || Date.now() + delay > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

async function startDraft(customerId: string): Promise<string> {
  const order = await call(client.POST("/api/orders", { body: { customerId } }));
  cart.set({ orderId: order.id, customerId });
  return order.id;
}

function addLine(orderId: string, productId: string, quantity: number): Promise<Order> {
  return untilKnown("unknown-product", () =>
    call(client.POST("/api/orders/{id}/lines", { params: { path: { id: orderId } }, body: { productId, quantity } })),
  );
}

/** Places the draft; a customer registered a moment ago may still be unknown to the order
 * context, which is waited out. */
export async function placeOrder(orderId: string): Promise<void> {
  await untilKnown("unknown-customer", () =>
    call(client.POST("/api/orders/{id}/place", { params: { path: { id: orderId } } })),
  );
}

/** Adds `quantity` of a product to the selected customer's draft, starting one if needed. */
export async function addToCart(productId: string, quantity: number): Promise<Order> {
  const customer = selectedCustomer.get();
  if (!customer) throw new NoCustomerError();
  const current = cart.get();
  const fresh = !current || current.customerId !== customer.id;
  const orderId = fresh ? await startDraft(customer.id) : current.orderId;
  try {
    return await addLine(orderId, productId, quantity);
  } catch (error) {
    // The draft was placed or cancelled elsewhere, or is gone: start a new one, once.
    const stale = (error instanceof ApiError && error.status === 404) || hasCode(error, "order-not-draft");
    if (!fresh && stale) return addLine(await startDraft(customer.id), productId, quantity);
    throw error;
  }
}
