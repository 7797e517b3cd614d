import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import { mug } from "../test/fixtures";
import { json, mockFetch, problem } from "../test/fetch";
import { ProductPage } from "./ProductPage";

describe("ProductPage", () => {
  test("adds stock and shows the new availability", async () => {
    let product = mug;
    const { calls } = mockFetch(({ method, body }) => {
      if (method === "POST") {
        const delta = (body as { delta: number }).delta;
        product = { ...product, stockOnHand: product.stockOnHand + delta, available: product.available + delta };
      }
      return json(product);
    });
    const user = userEvent.setup();
    render(<ProductPage id="p-1" />);
    expect(await screen.findByTestId("available")).toHaveTextContent("5");

    await user.type(screen.getByLabelText("Units"), "10");
    await user.click(screen.getByRole("button", { name: "Adjust stock" }));
    expect(await screen.findByText("Stock on hand is now 17.")).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId("available")).toHaveTextContent("15"));
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ delta: 10, reason: "goods received" });
  });

  test("shows a refused adjustment next to its field", async () => {
    mockFetch(({ method }) =>
      method === "POST"
        ? problem(400, "Validation failed", { errors: [{ field: "delta", message: "delta must not be zero" }] })
        : json(mug),
    );
    const user = userEvent.setup();
    render(<ProductPage id="p-1" />);
    await user.type(await screen.findByLabelText("Units"), "0");
    await user.click(screen.getByRole("button", { name: "Adjust stock" }));
    const units = screen.getByLabelText("Units");
    await screen.findByText("delta must not be zero");
    expect(units).toHaveAttribute("aria-invalid", "true");
    expect(units).toHaveAccessibleDescription(/delta must not be zero/);
  });
});
