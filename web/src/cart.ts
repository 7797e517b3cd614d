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

/** The order context learns of new products from inventory events, so a product added a
 * moment ago can be briefly unknown there; it is worth waiting this long for it. */
const UNKNOWN_PRODUCT_PATIENCE_MS = 15_000;

const hasCode = (error: unknown, code: string) => error instanceof ApiError && error.code === code;

async function startDraft(customerId: string): Promise<string> {
  const order = await call(client.POST("/api/orders", { body: { customerId } }));
  cart.set({ orderId: order.id, customerId });
  return order.id;
}

async function addLine(orderId: string, productId: string, quantity: number): Promise<Order> {
  const deadline = Date.now() + UNKNOWN_PRODUCT_PATIENCE_MS;
  for (let delay = 250; ; delay = Math.min(delay * 2, 2_000)) {
    try {
      return await call(
        client.POST("/api/orders/{id}/lines", { params: { path: { id: orderId } }, body: { productId, quantity } }),
      );
    } catch (error) {
      if (!hasCode(error, "unknown-product") || Date.now() + delay > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
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
