// Names for the generated schemas the pages use, so pages never spell out the long paths.
import type { components } from "./schema";

type Schemas = components["schemas"];

export type Customer = Schemas["CustomerView"];
export type RegisterCustomer = Schemas["RegisterCustomer"];
export type Product = Schemas["ProductView"];
export type CreateProduct = Schemas["CreateProduct"];
export type Order = Schemas["OrderView"];
export type OrderLine = Schemas["LineView"];
/** `detail` is a free-form object in the document, which openapi-typescript renders as
 * `Record<string, never>`; widen it so its kind-specific facts can be read. */
export type TimelineEntry = Omit<Schemas["TimelineEntryView"], "detail"> & { detail: Record<string, unknown> };
export type Notification = Schemas["NotificationRecord"];
export type Problem = Schemas["Problem"];
export type FieldError = Schemas["FieldError"];
export type Money = Schemas["order.MoneyView"];

/** The statuses an order can be in, as the API spells them. */
export const ORDER_STATUSES = ["Draft", "Placed", "Confirmed", "Completed", "Cancelled"] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
