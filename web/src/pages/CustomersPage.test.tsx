import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import { selectedCustomer } from "../hooks/session";
import { json, mockFetch, problem } from "../test/fetch";
import { CustomersPage } from "./CustomersPage";

const ada = {
  id: "0190-ada",
  firstName: "Ada",
  lastName: "Lovelace",
  email: "ada@example.com",
  status: "Active",
  registeredAt: "2026-01-01T10:00:00Z",
  version: 1,
};

const page = (items: unknown[]) => json({ items, page: 1, perPage: 20, total: items.length });

describe("CustomersPage", () => {
  test("shows each validation error next to its field, linked with aria-describedby", async () => {
    mockFetch(({ method }) =>
      method === "POST"
        ? problem(400, "Validation failed", {
            detail: "one or more fields are invalid",
            errors: [
              { field: "email", message: "email must contain exactly one '@'" },
              { field: "address.postalCode", message: "postalCode is required" },
            ],
          })
        : page([]),
    );
    const user = userEvent.setup();
    render(<CustomersPage />);
    const form = screen.getByRole("form", { name: "Register a customer" });
    await user.type(within(form).getByLabelText("Email"), "bad");
    await user.type(within(form).getByLabelText("City"), "Berlin");
    await user.click(within(form).getByRole("button", { name: "Register" }));

    const email = await within(form).findByLabelText("Email");
    await expect.poll(() => email.getAttribute("aria-invalid")).toBe("true");
    expect(email).toHaveAccessibleDescription("email must contain exactly one '@'");
    expect(within(form).getByLabelText("Postal code")).toHaveAccessibleDescription("postalCode is required");
    expect(within(form).getByLabelText("First name")).not.toHaveAttribute("aria-invalid");
    expect(within(form).getByRole("alert")).toHaveTextContent("correct the 2 fields");
    expect(email).toHaveFocus();
  });

  test("registers a customer with a nested address and shops as them", async () => {
    const { calls } = mockFetch(({ method }) => (method === "POST" ? json(ada, 201) : page([ada])));
    const user = userEvent.setup();
    render(<CustomersPage />);
    const form = screen.getByRole("form", { name: "Register a customer" });
    await user.type(within(form).getByLabelText("First name"), "Ada");
    await user.type(within(form).getByLabelText("Last name"), "Lovelace");
    await user.type(within(form).getByLabelText("Email"), "ada@example.com");
    await user.type(within(form).getByLabelText("Postal code"), "10115");
    await user.click(within(form).getByRole("button", { name: "Register" }));

    expect(await screen.findByText(/Registered Ada Lovelace/)).toBeInTheDocument();
    const post = calls.find((c) => c.method === "POST");
    expect(post?.body).toMatchObject({
      firstName: "Ada",
      email: "ada@example.com",
      phone: null,
      address: { postalCode: "10115", line1: null },
    });
    expect(selectedCustomer.get()).toEqual({ id: ada.id, name: "Ada Lovelace", email: ada.email });
  });

  test("deactivates a customer from the list", async () => {
    let status = "Active";
    const { calls } = mockFetch(({ method, path }) => {
      if (method === "POST" && path.endsWith("/deactivate")) {
        status = "Deactivated";
        return json({ ...ada, status });
      }
      return page([{ ...ada, status }]);
    });
    const user = userEvent.setup();
    render(<CustomersPage />);
    await user.click(await screen.findByRole("button", { name: "Deactivate Ada Lovelace" }));
    expect(await screen.findByRole("button", { name: "Reactivate Ada Lovelace" })).toBeInTheDocument();
    expect(calls.some((c) => c.path === `/api/customers/${ada.id}/deactivate`)).toBe(true);
  });
});
