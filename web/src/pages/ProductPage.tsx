import { useState, type FormEvent } from "react";
import { call, client } from "../api/client";
import { fieldErrorsOf, type FieldErrors } from "../api/problem";
import { AddToCart } from "../components/AddToCart";
import { ErrorMessage } from "../components/ErrorMessage";
import { ResourceStatus } from "../components/ResourceStatus";
import { Field } from "../components/Field";
import { useResource } from "../hooks/useResource";
import { formatMoney, formatTime } from "../format";
import { Link } from "../router";

function AddStockForm({ productId, onDone }: { productId: string; onDone: () => void }) {
  const [delta, setDelta] = useState("");
  const [reason, setReason] = useState("goods received");
  const [errors, setErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState("");

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setErrors({});
    setError(null);
    setDone("");
    try {
      const product = await call(
        client.POST("/api/products/{id}/stock-adjustments", {
          params: { path: { id: productId } },
          body: { delta: delta.trim() === "" ? null : Number(delta), reason: reason.trim() || null },
        }),
      );
      setDelta("");
      setDone(`Stock on hand is now ${product.stockOnHand}.`);
      onDone();
    } catch (failure) {
      const fieldErrors = fieldErrorsOf(failure);
      if (fieldErrors) setErrors(fieldErrors);
      else setError(failure);
    }
  };

  return (
    <form className="panel form-grid" onSubmit={submit} noValidate aria-labelledby="stock-heading">
      <h2 id="stock-heading">Adjust stock</h2>
      <ErrorMessage error={error} />
      <Field
        label="Units"
        type="number"
        hint="Positive to add stock, negative for losses"
        value={delta}
        onChange={(e) => setDelta(e.target.value)}
        error={errors.delta}
      />
      <Field label="Reason" value={reason} onChange={(e) => setReason(e.target.value)} error={errors.reason} />
      <div className="actions wide">
        <button type="submit">Adjust stock</button>
        <span role="status">{done}</span>
      </div>
    </form>
  );
}

export function ProductPage({ id }: { id: string }) {
  const product = useResource(() => call(client.GET("/api/products/{id}", { params: { path: { id } } })), [id]);
  const p = product.data;
  return (
    <>
      <p>
        <Link to="/catalogue">← Catalogue</Link>
      </p>
      <h1>{p ? p.name : "Product"}</h1>
      <ResourceStatus resource={product} />
      {p && (
        <>
          <section className="panel" aria-labelledby="product-heading">
            <h2 id="product-heading">Stock</h2>
            <dl className="facts">
              <dt>SKU</dt>
              <dd>
                <code>{p.sku}</code>
              </dd>
              <dt>Price</dt>
              <dd>{formatMoney(p.price)}</dd>
              <dt>Available</dt>
              <dd data-testid="available">{p.available}</dd>
              <dt>Reserved</dt>
              <dd>{p.reserved}</dd>
              <dt>On hand</dt>
              <dd>{p.stockOnHand}</dd>
              <dt>Updated</dt>
              <dd>{formatTime(p.updatedAt)}</dd>
            </dl>
            <div className="actions">
              <button type="button" className="secondary" onClick={product.reload}>
                Refresh stock
              </button>
            </div>
            <AddToCart productId={p.id} productName={p.name} available={p.available} />
          </section>
          <AddStockForm productId={p.id} onDone={product.reload} />
        </>
      )}
    </>
  );
}
