// The platform end to end, through the web app in a real Chromium. Each test has its own
// browser context, customer and product, so they depend neither on each other nor on data
// already in the platform.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import {
  ADMIN_TOKEN,
  BASE_URL,
  SAGA_TIMEOUT_MS,
  createProduct,
  getProduct,
  launchBrowser,
  orderOne,
  paymentFaults,
  registerCustomer,
  resetPaymentFaults,
  screenshot,
  waitForPlatform,
} from "./support";

let browser: Browser;

beforeAll(async () => {
  await waitForPlatform();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

/** Runs `run` in a fresh browser context; on failure, saves `<name>-failure.png` to debug. */
async function withPage(
  name: string,
  options: { viewport?: { width: number; height: number } },
  run: (page: Page) => Promise<void>,
): Promise<void> {
  const context: BrowserContext = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("response", (response) => {
    if (response.status() >= 400) problems.push(`${response.status()} ${response.request().method()} ${response.url()}`);
  });
  try {
    await run(page);
  } catch (error) {
    await screenshot(page, `${name}-failure`).catch(() => undefined);
    if (problems.length > 0) console.error(`${name}: what the page saw:\n${problems.join("\n")}`);
    throw error;
  } finally {
    await context.close();
  }
}

describe("OrderFlow web app", () => {
  test("a registered customer's order is confirmed and they are notified", async () => {
    await withPage("order-confirmed", {}, async (page) => {
      await registerCustomer(page, "Ada");
      const product = await createProduct(5);
      const orderId = await orderOne(page, product.id);

      const timeline = page.getByTestId("timeline");
      await timeline.locator('[data-kind="Confirmed"]').waitFor({ timeout: SAGA_TIMEOUT_MS });
      for (const kind of ["Placed", "StockReserved", "PaymentProcessed"]) {
        await expect(timeline.locator(`[data-kind="${kind}"]`).count()).resolves.toBe(1);
      }
      await expect(timeline.getByText("correlation id").count()).resolves.toBeGreaterThan(0);
      await page.getByTestId("order-status").getByText("Confirmed").waitFor({ timeout: SAGA_TIMEOUT_MS });

      await page.getByRole("link", { name: "Notifications", exact: true }).click();
      const notification = page.getByTestId("inbox").locator('[data-kind="order-confirmed"]');
      await notification.waitFor({ timeout: SAGA_TIMEOUT_MS });
      await expect(notification.textContent()).resolves.toContain(orderId);
      await screenshot(page, "order-confirmed");
    });
  });

  test("a declined payment cancels the order with its reason and releases the stock", async () => {
    try {
      await withPage("order-cancelled", {}, async (page) => {
        await registerCustomer(page, "Grace");
        const product = await createProduct(5);
        const before = product.available;

        await page.goto(`${BASE_URL}/admin`);
        await page.getByLabel("Admin token").fill(ADMIN_TOKEN);
        await page.getByRole("button", { name: "Unlock admin" }).click();
        const faults = page.getByRole("form", { name: "Faults of the payment service" });
        await faults.getByLabel("Decline rate").fill("1");
        await faults.getByRole("button", { name: "Apply faults" }).click();
        await page.getByText("Faults of the payment service applied.").waitFor();
        await expect.poll(async () => (await paymentFaults()).declineRate).toBe(1);

        await orderOne(page, product.id);
        const timeline = page.getByTestId("timeline");
        await timeline.locator('[data-kind="Cancelled"]').waitFor({ timeout: SAGA_TIMEOUT_MS });
        await timeline.locator('[data-kind="StockReleased"]').waitFor({ timeout: SAGA_TIMEOUT_MS });
        await expect(timeline.locator('[data-kind="PaymentFailed"]').count()).resolves.toBe(1);
        await expect(timeline.locator('[data-kind="CompensationStarted"]').textContent()).resolves.toMatch(
          /Compensations: release stock/,
        );
        const reason = page.getByTestId("cancellation-reason");
        await reason.waitFor({ timeout: SAGA_TIMEOUT_MS });
        await expect(reason.textContent()).resolves.toMatch(/declined/);
        await screenshot(page, "order-cancelled");

        await page.goto(`${BASE_URL}/catalogue/${product.id}`);
        const available = page.getByTestId("available");
        await expect
          .poll(
            async () => {
              await page.getByRole("button", { name: "Refresh stock" }).click();
              return Number(await available.textContent());
            },
            { timeout: SAGA_TIMEOUT_MS, interval: 500 },
          )
          .toBe(before);
        await expect(getProduct(product.id)).resolves.toMatchObject({ available: before });
      });
    } finally {
      await resetPaymentFaults();
    }
  });

  test("a field error on registration shows next to its field, on a phone", async () => {
    await withPage("registration-field-error", { viewport: { width: 375, height: 812 } }, async (page) => {
      await page.goto(`${BASE_URL}/customers`);
      const form = page.getByRole("form", { name: "Register a customer" });
      await form.getByLabel("Last name").fill("Tester");
      await form.getByLabel("Email").fill("not-an-email");
      await form.getByRole("button", { name: "Register" }).click();

      const email = form.getByLabel("Email");
      await form.locator('input[name="email"][aria-invalid="true"]').waitFor();
      // aria-describedby may list a hint too; one of its targets must be the message, and
      // sit in the same field as the input.
      const described = await email.evaluate((input) =>
        (input.getAttribute("aria-describedby") ?? "")
          .split(/\s+/)
          .filter(Boolean)
          .map((id) => {
            const target = document.getElementById(id);
            return { text: target?.textContent ?? "", besideInput: target?.parentElement === input.parentElement };
          }),
      );
      expect(described.some(({ text, besideInput }) => besideInput && /email/i.test(text))).toBe(true);
      await expect(form.getByLabel("First name").getAttribute("aria-invalid")).resolves.toBe("true");
      // At 375 px nothing may scroll sideways: tables collapse or scroll in their container.
      await page.locator("main table").or(page.getByText("No customers match.")).first().waitFor();
      await expect(
        page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth),
      ).resolves.toBeLessThanOrEqual(0);
      // The form is at the top; the customer list below it would make the image huge.
      await screenshot(page, "registration-field-error", false);
    });
  });
});
