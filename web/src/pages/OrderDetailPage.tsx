import { useEffect, useState, type FormEvent } from "react";
import { call, client } from "../api/client";
import { ErrorMessage } from "../components/ErrorMessage";
import { ResourceStatus } from "../components/ResourceStatus";
import { StatusBadge } from "../components/StatusBadge";
import { Timeline } from "../components/Timeline";
import { useOrderTimeline } from "../hooks/useOrderTimeline";
import { useResource } from "../hooks/useResource";
import { formatMoney, formatTime } from "../format";
import { Link } from "../router";

function CancelForm({ orderId, onDone }: { orderId: string; onDone: () => void }) {
  const [reason, setReason] = useState("");
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      await call(
        client.POST("/api/orders/{id}/cancel", {
          params: { path: { id: orderId } },
          body: { reason: reason.trim() || null },
        }),
      );
      onDone();
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <form className="inline-form" onSubmit={submit}>
      <label htmlFor="cancel-reason">Cancellation reason</label>
      <input id="cancel-reason" value={reason} onChange={(e) => setReason(e.target.value)} />
      <button type="submit" className="danger small">
        Cancel order
      </button>
      <ErrorMessage error={error} />
    </form>
  );
}

export function OrderDetailPage({ id }: { id: string }) {
  const order = useResource(() => call(client.GET("/api/orders/{id}", { params: { path: { id } } })), [id]);
  const timeline = useOrderTimeline(id);
  const [actionError, setActionError] = useState<unknown>(null);
  const { reload } = order;

  // Each saga step changes the order; re-read it so the summary matches the timeline.
  const lastSeq = timeline.entries.at(-1)?.seq ?? 0;
  useEffect(() => {
    if (lastSeq > 0) reload();
  }, [lastSeq, reload]);

  const complete = async () => {
    setActionError(null);
    try {
      await call(client.POST("/api/orders/{id}/complete", { params: { path: { id } } }));
      reload();
    } catch (failure) {
      setActionError(failure);
    }
  };

  const o = order.data;
  const status = timeline.entries.at(-1)?.status ?? o?.status;
  const reason = o?.cancellationReason ?? o?.saga?.failureReason;

  return (
    <>
      <p>
        <Link to="/orders">← Orders</Link>
      </p>
      <h1>
        Order <code className="break">{id}</code>
      </h1>
      <ResourceStatus resource={order} />
      {o && (
        <section className="panel" aria-labelledby="summary-heading">
          <h2 id="summary-heading">Summary</h2>
          <dl className="facts">
            <dt>Status</dt>
            <dd data-testid="order-status">{status && <StatusBadge status={status} />}</dd>
            {status === "Cancelled" && reason && (
              <>
                <dt>Reason</dt>
                <dd data-testid="cancellation-reason">{reason}</dd>
              </>
            )}
            <dt>Customer</dt>
            <dd>
              <Link to={`/notifications?customer=${o.customerId}`}>
                <code>{o.customerId}</code>
              </Link>
            </dd>
            <dt>Total</dt>
            <dd>{formatMoney(o.total)}</dd>
            <dt>Created</dt>
            <dd>{formatTime(o.createdAt)}</dd>
            {o.placedAt && (
              <>
                <dt>Placed</dt>
                <dd>{formatTime(o.placedAt)}</dd>
              </>
            )}
            {o.saga && (
              <>
                <dt>Saga</dt>
                <dd>
                  {o.saga.state}
                  {o.saga.compensating && " (compensating)"}
                </dd>
              </>
            )}
          </dl>
          <div className="table-scroll">
            <table>
              <caption className="visually-hidden">Order lines</caption>
              <thead>
                <tr>
                  <th scope="col">Product</th>
                  <th scope="col" className="num">Quantity</th>
                  <th scope="col" className="num">Line total</th>
                </tr>
              </thead>
              <tbody>
                {o.lines.map((line) => (
                  <tr key={line.productId}>
                    <td>
                      <Link to={`/catalogue/${line.productId}`}>{line.productName}</Link>
                    </td>
                    <td className="num">{line.quantity}</td>
                    <td className="num">{formatMoney(line.lineTotal)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <ErrorMessage error={actionError} />
          <div className="actions">
            {o.status === "Draft" && <Link to="/cart">Open in cart</Link>}
            {o.status === "Confirmed" && (
              <button type="button" className="secondary" onClick={() => void complete()}>
                Mark fulfilled
              </button>
            )}
          </div>
          {(o.status === "Draft" || o.status === "Placed" || o.status === "Confirmed") && (
            <CancelForm orderId={id} onDone={reload} />
          )}
        </section>
      )}
      <Timeline entries={timeline.entries} state={timeline.state} />
    </>
  );
}
