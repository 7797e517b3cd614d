import { useState } from "react";
import { call, client } from "../api/client";
import { ErrorMessage } from "../components/ErrorMessage";
import { Field } from "../components/Field";
import { selectedCustomer } from "../hooks/session";
import { useResource } from "../hooks/useResource";
import { formatTime, shortId } from "../format";
import { Link, navigate, useLocation } from "../router";

/** Notifications arrive asynchronously, so the inbox keeps looking. */
const REFRESH_MS = 3_000;

function Inbox({ customerId }: { customerId: string }) {
  const notifications = useResource(
    () =>
      call(
        client.GET("/api/customers/{customerId}/notifications", {
          params: { path: { customerId }, query: { per_page: 50 } },
        }),
      ),
    [customerId],
    { refreshMs: REFRESH_MS },
  );
  const items = notifications.data?.items ?? [];
  return (
    <section className="panel" aria-labelledby="inbox-heading">
      <div className="panel-heading">
        <h2 id="inbox-heading">Inbox</h2>
        <button type="button" className="secondary small" onClick={notifications.reload}>
          Refresh
        </button>
      </div>
      <ErrorMessage error={notifications.error} onRetry={notifications.reload} />
      <p role="status" aria-live="polite" className="muted">
        {notifications.data
          ? `${notifications.data.total} notification${notifications.data.total === 1 ? "" : "s"}`
          : "Loading…"}
      </p>
      <ul className="inbox" data-testid="inbox">
        {items.map((n) => (
          <li key={n.id} className="notification" data-kind={n.kind}>
            <article aria-labelledby={`n-${n.id}`}>
              <h3 id={`n-${n.id}`}>{n.subject}</h3>
              <p className="muted small-text">
                <span className="badge">{n.kind}</span> · <time dateTime={n.createdAt}>{formatTime(n.createdAt)}</time> ·
                to {n.recipient} via {n.channel}
                {n.orderId && (
                  <>
                    {" · "}
                    <Link to={`/orders/${n.orderId}`}>order {shortId(n.orderId)}</Link>
                  </>
                )}
              </p>
              <details>
                <summary>Message</summary>
                <pre className="body">{n.body}</pre>
              </details>
            </article>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function NotificationsPage() {
  const { search } = useLocation();
  const selected = selectedCustomer.use();
  const customerId = search.get("customer") ?? selected?.id ?? null;
  const [input, setInput] = useState("");

  return (
    <>
      <h1>Notifications</h1>
      <form
        className="panel filters"
        role="search"
        aria-label="Customer inbox"
        onSubmit={(event) => {
          event.preventDefault();
          if (input.trim()) navigate(`/notifications?customer=${encodeURIComponent(input.trim())}`);
        }}
      >
        <Field
          label="Customer id"
          value={input}
          placeholder={customerId ?? ""}
          onChange={(e) => setInput(e.target.value)}
          hint={selected && customerId === selected.id ? `Showing ${selected.name}'s inbox` : undefined}
        />
        <button type="submit" className="secondary">
          Show inbox
        </button>
      </form>
      {customerId ? (
        <Inbox customerId={customerId} />
      ) : (
        <p className="panel">
          <Link to="/customers">Choose a customer</Link> or enter a customer id to see their notifications.
        </p>
      )}
    </>
  );
}
