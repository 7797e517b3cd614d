// The admin API (/api/admin/{service}/…), typed from the gateway's OpenAPI document like
// the rest. Each service has its own literal paths there, so the services are derived from
// those paths: a service added or dropped in the document changes these types.
import type { components, paths } from "./schema";
import { call, client } from "./client";

type Schemas = components["schemas"];
export type FaultState = Schemas["FaultState"];
export type FaultChange = Schemas["FaultChange"];
export type DeadLetter = Schemas["DeadLetter"];
export type DeadLetterFilter = Schemas["GroupQuery"];

type ServiceOf<P, Suffix extends string> = P extends `/api/admin/${infer S}/${Suffix}` ? S : never;
/** Services with fault injection. */
export type AdminService = ServiceOf<keyof paths, "faults">;
/** Services whose consumers dead-letter records. */
export type DeadLetterService = ServiceOf<keyof paths, "dead-letters">;

/** Every service exactly once, in the order the page shows them (checked below). */
export const ADMIN_SERVICES = ["payment", "order", "inventory", "notification", "customer"] as const;
export const DEAD_LETTER_SERVICES = ["order", "payment", "inventory", "notification"] as const;
type Exhaustive<List extends readonly string[], Union extends string> = [Union] extends [List[number]]
  ? [List[number]] extends [Union]
    ? true
    : never
  : never;
const adminServicesMatch: Exhaustive<typeof ADMIN_SERVICES, AdminService> = true;
const deadLetterServicesMatch: Exhaustive<typeof DEAD_LETTER_SERVICES, DeadLetterService> = true;
void adminServicesMatch;
void deadLetterServicesMatch;

const auth = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });

type DeadLetterQuery = NonNullable<paths["/api/admin/payment/dead-letters"]["get"]["parameters"]["query"]>;

/** Drops empty filter fields, which the API would read as "match the empty string"; what
 * is left has no nulls, so it also fits the list's query parameters. */
function compact(filter: DeadLetterFilter): DeadLetterQuery {
  return Object.fromEntries(
    Object.entries(filter).filter(([, value]) => value !== undefined && value !== null && value !== ""),
  ) as DeadLetterQuery;
}

export const admin = {
  faults: (token: string, service: AdminService): Promise<FaultState> =>
    call(client.GET(`/api/admin/${service}/faults`, auth(token))),
  setFaults: (token: string, service: AdminService, change: FaultChange): Promise<FaultState> =>
    call(client.POST(`/api/admin/${service}/faults`, { ...auth(token), body: change })),
  clearFaults: async (token: string, service: AdminService): Promise<void> => {
    await call(client.DELETE(`/api/admin/${service}/faults`, auth(token)));
  },
  deadLetters: (token: string, service: DeadLetterService, filter: DeadLetterFilter = {}) =>
    call(
      client.GET(`/api/admin/${service}/dead-letters`, {
        ...auth(token),
        params: { query: compact(filter) },
      }),
    ),
  replay: (token: string, service: DeadLetterService, filter: DeadLetterFilter = {}) =>
    call(client.POST(`/api/admin/${service}/dead-letters/replay`, { ...auth(token), body: compact(filter) })),
};
