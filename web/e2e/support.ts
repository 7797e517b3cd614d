// Shared set-up for the end-to-end specs: where the platform and the browser are, a
// Chromium launcher, API shortcuts for test data, and screenshots under target/.
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";

const web = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export const BASE_URL = (process.env.ORDERFLOW_URL ?? "http://127.0.0.1:8080").replace(/\/$/, "");
export const ADMIN_TOKEN = process.env.ADMIN_TOKEN ?? "orderflow-dev";
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const SCREENSHOT_DIR = resolve(web, process.env.ORDERFLOW_SCREENSHOT_DIR ?? "../target/web-e2e");

/** How long a saga (or a notification) may take to show up. */
export const SAGA_TIMEOUT_MS = 60_000;

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // A busy machine (a build next door) can make the first start slow.
    timeout: 120_000,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

export async function screenshot(page: Page, name: string, fullPage = true): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}

/** A suffix that keeps test data apart from earlier runs and from other tests. */
export function unique(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

async function api<T>(method: string, path: string, body?: unknown, admin = false): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (admin) headers.Authorization = `Bearer ${ADMIN_TOKEN}`;
  const response = await fetch(`${BASE_URL}/api${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

export interface TestProduct {
  id: string;
  sku: string;
  name: string;
  available: number;
}

/** A product of our own, so stock assertions are exact whatever else the catalogue holds. */
export function createProduct(stock: number): Promise<TestProduct> {
  const suffix = unique();
  return api<TestProduct>("POST", "/products", {
    sku: `E2E-${suffix}`,
    name: `E2E mug ${suffix}`,
    price: { amount: 1299, currency: "EUR" },
    stockOnHand: stock,
  });
}

export function getProduct(id: string): Promise<TestProduct> {
  return api<TestProduct>("GET", `/products/${id}`);
}

export function paymentFaults(): Promise<{ declineRate: number }> {
  return api("GET", "/admin/payment/faults", undefined, true);
}

export async function resetPaymentFaults(): Promise<void> {
  await api<void>("DELETE", "/admin/payment/faults", undefined, true);
}

/** Waits (with a deadline) for the gateway and its services to answer, e.g. after a restart. */
export async function waitForPlatform(timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${BASE_URL}/health/upstreams`);
      const report = (await response.json()) as { status: string };
      if (report.status === "up") return;
      last = JSON.stringify(report);
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  throw new Error(`the platform at ${BASE_URL} did not come up: ${last}`);
}

/** Registers a customer through the UI; the app then shops as them. */
export async function registerCustomer(page: Page, firstName: string): Promise<string> {
  const email = `${firstName.toLowerCase()}.${unique()}@example.com`;
  await page.goto(`${BASE_URL}/customers`);
  const form = page.getByRole("form", { name: "Register a customer" });
  await form.getByLabel("First name").fill(firstName);
  await form.getByLabel("Last name").fill("Tester");
  await form.getByLabel("Email").fill(email);
  await form.getByRole("button", { name: "Register" }).click();
  await page.getByText(`Registered ${firstName} Tester`).waitFor();
  return email;
}

/** Adds one unit of the product to the cart and places the order; returns the order id. */
export async function orderOne(page: Page, productId: string): Promise<string> {
  await page.goto(`${BASE_URL}/catalogue/${productId}`);
  await page.getByRole("button", { name: "Add to cart" }).click();
  // The order service may take a moment to hear of a product created just now.
  await page.getByText(/In cart: 1 ×/).waitFor({ timeout: 30_000 });
  await page.getByRole("link", { name: "Cart", exact: true }).click();
  await page.getByRole("button", { name: "Place order" }).click();
  // Placing waits out a customer the order context has not heard of yet (up to 30 s).
  await page.waitForURL(/\/orders\/[0-9a-f-]{36}$/, { timeout: 45_000 });
  const id = new URL(page.url()).pathname.split("/").pop();
  if (!id) throw new Error(`no order id in ${page.url()}`);
  return id;
}
