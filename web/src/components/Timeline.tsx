// The order's saga as it happens. The list is an aria-live region, so screen readers
// announce each step as it arrives.
import type { StreamState } from "../api/timeline";
import type { Money, TimelineEntry } from "../api/types";
import { formatMoney, formatTime } from "../format";

const LABELS: Record<string, string> = {
  Created: "Order created",
  Placed: "Order placed",
  StockReserved: "Stock reserved",
  StockReservationFailed: "Stock reservation failed",
  PaymentProcessed: "Payment processed",
  PaymentFailed: "Payment failed",
  Confirmed: "Confirmed",
  Completed: "Completed",
  Cancelled: "Cancelled",
  CompensationStarted: "Compensation started",
  StockReleased: "Stock released",
  StockCommitted: "Stock committed",
  PaymentRefunded: "Payment refunded",
  DeadlinePassed: "Deadline passed",
};

const TONES: Record<string, string> = {
  Confirmed: "good",
  Completed: "good",
  PaymentProcessed: "good",
  StockReserved: "good",
  Cancelled: "bad",
  PaymentFailed: "bad",
  StockReservationFailed: "bad",
  DeadlinePassed: "bad",
  CompensationStarted: "compensation",
  StockReleased: "compensation",
  PaymentRefunded: "compensation",
};

/** Command names (`ReleaseStock`) as words (`release stock`). */
function words(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
}

function isMoney(value: unknown): value is Money {
  return typeof value === "object" && value !== null && "amount" in value && "currency" in value;
}

/** The facts of an entry worth reading, in words. */
export function describeDetail(entry: TimelineEntry): string[] {
  const detail: Record<string, unknown> = entry.detail;
  const facts: string[] = [];
  if (typeof detail.reason === "string") facts.push(`Reason: ${detail.reason}`);
  if (Array.isArray(detail.commands) && detail.commands.length > 0) {
    const commands = detail.commands.filter((c): c is string => typeof c === "string").map(words);
    const compensating = entry.kind === "CompensationStarted" || detail.sagaState === "Compensating";
    facts.push(`${compensating ? "Compensations" : "Next"}: ${commands.join(", ")}`);
  }
  if (typeof detail.lines === "number") facts.push(`${detail.lines} line${detail.lines === 1 ? "" : "s"}`);
  if (isMoney(detail.total)) facts.push(`Total ${formatMoney(detail.total)}`);
  return facts;
}

const STREAM_TEXT: Record<StreamState, string> = {
  connecting: "Connecting to the live timeline…",
  live: "Live",
  reconnecting: "Connection lost, reconnecting…",
  "not-found": "This order has no timeline.",
};

export function Timeline({ entries, state }: { entries: TimelineEntry[]; state: StreamState }) {
  return (
    <section className="panel" aria-labelledby="timeline-heading">
      <div className="panel-heading">
        <h2 id="timeline-heading">Timeline</h2>
        <span role="status" className={`stream stream-${state}`}>{STREAM_TEXT[state]}</span>
      </div>
      <ol className="timeline" aria-live="polite" aria-relevant="additions" data-testid="timeline">
        {entries.map((entry) => (
          <li
            key={entry.seq}
            className={`timeline-entry tone-${TONES[entry.kind] ?? "neutral"}`}
            data-kind={entry.kind}
          >
            <div className="timeline-title">
              <strong>{LABELS[entry.kind] ?? words(entry.kind)}</strong>{" "}
              <time dateTime={entry.at}>{formatTime(entry.at)}</time>
            </div>
            {describeDetail(entry).map((fact) => (
              <p key={fact} className="timeline-fact">
                {fact}
              </p>
            ))}
            <p className="muted small-text">
              Status {entry.status}
              {entry.correlationId && (
                <>
                  {" · correlation id "}
                  <code>{entry.correlationId}</code>
                </>
              )}
            </p>
          </li>
        ))}
      </ol>
      {entries.length === 0 && state !== "not-found" && <p className="muted">No entries yet.</p>}
    </section>
  );
}
