// Turns failed requests (RFC 9457 problem+json, other error bodies, or no answer at all)
// into one typed error the pages can show, with field errors addressable by JSON path.
import { isUnavailableStatus } from "./connectivity";
import type { FieldError, Problem } from "./types";

export type FieldErrors = Record<string, string>;

export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string | null;
  readonly code: string | null;
  readonly correlationId: string | null;
  readonly fieldErrors: FieldErrors;

  constructor(problem: Problem) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
    this.name = "ApiError";
    this.status = problem.status;
    this.title = problem.title;
    this.detail = problem.detail ?? null;
    this.code = problem.code ?? null;
    this.correlationId = problem.correlationId ?? null;
    this.fieldErrors = toFieldErrors(problem.errors ?? []);
  }

  /** No answer, or the gateway says a service cannot be reached: worth retrying later. */
  get unavailable(): boolean {
    return isUnavailableStatus(this.status);
  }

  /** The request never got an answer (the gateway is down or the network is gone). */
  static network(cause: unknown): ApiError {
    return new ApiError({
      type: "about:blank",
      title: "The platform is unreachable",
      status: 0,
      detail: cause instanceof Error ? cause.message : null,
    });
  }

  /** Builds the error from a response's status and whatever body it carried. */
  static fromResponse(status: number, body: unknown, statusText = ""): ApiError {
    if (isProblem(body)) return new ApiError({ ...body, status: body.status || status });
    const detail = typeof body === "string" && body.trim() !== "" ? body.trim() : null;
    return new ApiError({
      type: "about:blank",
      title: statusText || `Request failed with status ${status}`,
      status,
      detail,
    });
  }
}

function toFieldErrors(errors: FieldError[]): FieldErrors {
  const byField: FieldErrors = {};
  for (const { field, message } of errors) {
    // Several messages for one field read as one sentence each.
    byField[field] = byField[field] ? `${byField[field]}. ${message}` : message;
  }
  return byField;
}

export function isProblem(body: unknown): body is Problem {
  if (typeof body !== "object" || body === null) return false;
  const candidate = body as Record<string, unknown>;
  return typeof candidate.title === "string" && typeof candidate.status === "number";
}

/** The messages to show next to form fields, or null when the failure is not about them.
 * A 409 names no field, so `conflict` says which one it is about (a taken email, a SKU). */
export function fieldErrorsOf(error: unknown, conflict?: { field: string; message: string }): FieldErrors | null {
  if (!(error instanceof ApiError)) return null;
  if (Object.keys(error.fieldErrors).length > 0) return error.fieldErrors;
  if (conflict && error.status === 409) return { [conflict.field]: error.detail ?? conflict.message };
  return null;
}

/** A readable one-line message for any thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 0) return "The platform is unreachable. Retrying shortly…";
    return error.detail ? `${error.title}: ${error.detail}` : error.title;
  }
  if (error instanceof Error) return error.message;
  return "Something went wrong.";
}
