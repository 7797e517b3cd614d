// The typed client for the gateway's /api. Paths, parameters and bodies come from the
// generated schema, so a change in the gateway's OpenAPI document breaks the build here.
import createClient from "openapi-fetch";
import type { paths } from "./schema";
import { ApiError } from "./problem";
import { reportDown } from "./connectivity";

export const client = createClient<paths>({
  baseUrl: typeof window === "undefined" ? "" : window.location.origin,
  // Looked up per request, so tests can stub the global fetch after this module loads.
  fetch: (request) => globalThis.fetch(request),
});

interface Outcome {
  data?: unknown;
  error?: unknown;
  response: Response;
}

/** Awaits an openapi-fetch call: its data on success, else a thrown `ApiError`. */
export async function call<R extends Outcome>(request: Promise<R>): Promise<NonNullable<R["data"]>> {
  let result: R;
  try {
    result = await request;
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
    reportDown();
    throw ApiError.network(cause);
  }
  const { response } = result;
  if (response.ok) return result.data as NonNullable<R["data"]>;
  const error = ApiError.fromResponse(response.status, result.error, response.statusText);
  if (error.unavailable) reportDown();
  throw error;
}
