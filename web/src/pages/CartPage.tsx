import { useEffect, useState } from "react";
import { call, client } from "../api/client";
import { ApiError } from "../api/problem";
import type { Order } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { placeOrder } from "../cart";
import { cart, selectedCustomer } from "../hooks/session";
import { useResource } from "../hooks/useResource";
import { formatMoney } from "../format";
import { Link, navigate } from "../router";

function Lines({ order, onChange }: { order: Order; onChange: (order: Order) => void }) {
  const [error, setError] = useState<unknown>(null);
  const id = order.id;

  const change = async (productId: string, quantity: number) => {
    setError(null);
    try {
      onChange(
        await call(
          client.PUT("/api/orders/{id}/lines/{productId}", { params: { path: { id, productId } }, body: { quantity } }),
        ),
      );
    } catch (failure) {
      setError(failure);
    }
  };
  const remove = async (productId: string) => {
    setError(null);
    try {
      onChange(await call(client.DELETE("/api/orders/{id}/lines/{productId}", { params: { path: { id, productId } } })));
    } catch (failure) {
      setError(failure);
    }
  };

  return (
    <>
      <ErrorMessage error={error} />
      <div className="table-scroll">
        <table>
          <caption className="visually-hidden">Products in the cart</caption>
          <thead>
            <tr>
              <th scope="col">Product</th>
              <th scope="col" className="num">Unit price</th>
              <th scope="col">Quantity</th>
              <th scope="col" className="num">Line total</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {order.lines.map((line) => (
              <tr key={line.productId}>
                <td>
                  <Link to={`/catalogue/${line.productId}`}>{line.productName}</Link>
                </td>
                <td className="num">{formatMoney(line.unitPrice)}</td>
                <td>
                  <label className="visually-hidden" htmlFor={`qty-${line.productId}`}>
                    Quantity of {line.productName}
                  </label>
                  <input
                    // Remounts with the server's quantity after each change.
                    key={line.quantity}
                    id={`qty-${line.productId}`}
                    className="qty"
                    type="number"
                    min={1}
                    max={1000}
                    defaultValue={line.quantity}
                    onKeyDown={(e) => {
                      if (e.key === "Enter") e.currentTarget.blur();
                    }}
                    onBlur={(e) => {
                      const quantity = Number(e.target.value);
                      if (quantity !== line.quantity) void change(line.productId, quantity);
                    }}
                  />
                </td>
                <td className="num">{formatMoney(line.lineTotal)}</td>
                <td>
                  <button
                    type="button"
                    className="secondary small"
                    aria-label={`Remove ${line.productName}`}
                    onClick={() => void remove(line.productId)}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={3}>
                Total
              </th>
              <td className="num">
                <strong>{formatMoney(order.total)}</strong>
              </td>
              <td />
            </tr>
          </tfoot>
        </table>
      </div>
    </>
  );
}

export function CartPage() {
  const customer = selectedCustomer.use();
  const current = cart.use();
  const orderId = current && customer && current.customerId === customer.id ? current.orderId : null;
  const [placing, setPlacing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [override, setOverride] = useState<Order | null>(null);

  const draft = useResource(
    async () => {
      if (!orderId) return null;
      try {
        const order = await call(client.GET("/api/orders/{id}", { params: { path: { id: orderId } } }));
        return order.status === "Draft" ? order : null;
      } catch (failure) {
        if (failure instanceof ApiError && failure.status === 404) return null;
        throw failure;
      }
    },
    [orderId],
  );
  // Line edits answer with the updated order; a fresh load supersedes them.
  useEffect(() => setOverride(null), [draft.data]);
  const order = override ?? draft.data ?? null;

  const place = async () => {
    if (!order) return;
    setPlacing(true);
    setError(null);
    try {
      await placeOrder(order.id);
      cart.set(null);
      navigate(`/orders/${order.id}`);
    } catch (failure) {
      setError(failure);
    } finally {
      setPlacing(false);
    }
  };

  return (
    <>
      <h1>Cart</h1>
      {!customer ? (
        <p className="panel">
          Nobody is shopping yet. <Link to="/customers">Register or choose a customer</Link> first.
        </p>
      ) : (
        <section className="panel" aria-labelledby="cart-heading">
          <h2 id="cart-heading">
            {customer.name}&rsquo;s cart <span className="muted small-text">({customer.email})</span>
          </h2>
          <ErrorMessage error={draft.error} onRetry={draft.reload} />
          {draft.loading && !order && <p>Loading…</p>}
          {!draft.loading && (!order || order.lines.length === 0) && (
            <p>
              The cart is empty. <Link to="/catalogue">Browse the catalogue</Link>.
            </p>
          )}
          {order && order.lines.length > 0 && (
            <>
              <Lines order={order} onChange={setOverride} />
              <ErrorMessage error={error} />
              <div className="actions">
                <button type="button" onClick={() => void place()} disabled={placing}>
                  {placing ? "Placing…" : "Place order"}
                </button>
              </div>
            </>
          )}
        </section>
      )}
    </>
  );
}
