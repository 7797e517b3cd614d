// What the user chose across pages: who is shopping, their draft order, the admin token.
import { storedValue } from "./stored";

export interface SelectedCustomer {
  id: string;
  name: string;
  email: string;
}

export interface Cart {
  orderId: string;
  customerId: string;
}

export const selectedCustomer = storedValue<SelectedCustomer>("orderflow.customer", () => localStorage);
export const cart = storedValue<Cart>("orderflow.cart", () => localStorage);
// The token lives only as long as the tab: it guards fault injection.
export const adminToken = storedValue<string>("orderflow.adminToken", () => sessionStorage);
