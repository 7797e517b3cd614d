// Response bodies shared by the component tests.
import type { components } from "../api/schema";

/** A product as the inventory service answers it: 7 on hand, 2 reserved, 5 available. */
export const mug: components["schemas"]["ProductView"] = {
  id: "p-1",
  sku: "MUG-1",
  name: "Blue mug",
  price: { amount: 1299, currency: "EUR" },
  stockOnHand: 7,
  reserved: 2,
  available: 5,
  version: 1,
  createdAt: "2026-01-01T00:00:00Z",
  updatedAt: "2026-01-01T00:00:00Z",
};
