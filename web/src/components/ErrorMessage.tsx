// A failed request, in words, with the correlation id to quote to support.
import { ApiError, describeError } from "../api/problem";

export function ErrorMessage({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  if (error === null || error === undefined) return null;
  const correlationId = error instanceof ApiError ? error.correlationId : null;
  return (
    <div className="alert" role="alert">
      <p>{describeError(error)}</p>
      {correlationId && (
        <p className="muted">
          Correlation id: <code>{correlationId}</code>
        </p>
      )}
      {onRetry && (
        <button type="button" className="secondary" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}
