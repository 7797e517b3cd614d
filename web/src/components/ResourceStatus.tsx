// What a view shows while its data is on the way or failed to arrive, so a section is
// never silently empty.
import type { Resource } from "../hooks/useResource";
import { ErrorMessage } from "./ErrorMessage";

export function ResourceStatus({ resource, loading = "Loading…" }: { resource: Resource<unknown>; loading?: string }) {
  if (resource.error) return <ErrorMessage error={resource.error} onRetry={resource.reload} />;
  if (resource.loading && resource.data === undefined) return <p className="muted">{loading}</p>;
  return null;
}
