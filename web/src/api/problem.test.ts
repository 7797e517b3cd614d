import { describe, expect, test } from "vitest";
import { ApiError, describeError, fieldErrorsOf } from "./problem";

describe("ApiError", () => {
  test("reads a validation problem with nested field paths", () => {
    const error = ApiError.fromResponse(400, {
      type: "https://orderflow.io/problems/validation-failed",
      title: "Validation failed",
      status: 400,
      detail: "one or more fields are invalid",
      correlationId: "abc123",
      errors: [
        { field: "firstName", message: "firstName is required" },
        { field: "address.postalCode", message: "postalCode is required" },
        { field: "address.postalCode", message: "postalCode is too long" },
      ],
    });
    expect(error.status).toBe(400);
    expect(error.correlationId).toBe("abc123");
    expect(error.fieldErrors).toEqual({
      firstName: "firstName is required",
      "address.postalCode": "postalCode is required. postalCode is too long",
    });
    expect(error.unavailable).toBe(false);
    expect(describeError(error)).toBe("Validation failed: one or more fields are invalid");
  });

  test("turns a body that is not a problem into a readable error", () => {
    const error = ApiError.fromResponse(502, "upstream exploded", "Bad Gateway");
    expect(error.title).toBe("Bad Gateway");
    expect(error.detail).toBe("upstream exploded");
    expect(error.unavailable).toBe(true);
  });

  test("treats no answer at all as the platform being unreachable", () => {
    const error = ApiError.network(new TypeError("Failed to fetch"));
    expect(error.status).toBe(0);
    expect(error.unavailable).toBe(true);
    expect(describeError(error)).toMatch(/unreachable/);
  });

  test("pins field errors, or a conflict, to form fields and leaves other failures alone", () => {
    const invalid = ApiError.fromResponse(400, { title: "Invalid", status: 400, errors: [{ field: "sku", message: "sku is required" }] });
    const conflict = ApiError.fromResponse(409, { title: "Conflict", status: 409, detail: "SKU MUG-1 exists" });
    const taken = { field: "sku", message: "SKU already in the catalogue" };
    expect(fieldErrorsOf(invalid, taken)).toEqual({ sku: "sku is required" });
    expect(fieldErrorsOf(conflict, taken)).toEqual({ sku: "SKU MUG-1 exists" });
    expect(fieldErrorsOf(conflict)).toBeNull();
    expect(fieldErrorsOf(ApiError.network(new TypeError("Failed to fetch")), taken)).toBeNull();
    expect(fieldErrorsOf(new Error("boom"))).toBeNull();
  });
});
