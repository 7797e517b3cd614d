// Puts a product into the selected customer's draft order.
import { useId, useState, type FormEvent } from "react";
import { NoCustomerError, addToCart } from "../cart";
import { describeError } from "../api/problem";
import { Link } from "../router";

export function AddToCart({ productId, productName, available }: { productId: string; productName: string; available: number }) {
  const [quantity, setQuantity] = useState("1");
  const [message, setMessage] = useState<{ text: string; error: boolean; needsCustomer?: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      const order = await addToCart(productId, Number(quantity));
      const line = order.lines.find((l) => l.productId === productId);
      setMessage({ text: `In cart: ${line?.quantity ?? quantity} × ${productName}.`, error: false });
    } catch (failure) {
      setMessage({ text: describeError(failure), error: true, needsCustomer: failure instanceof NoCustomerError });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="inline-form" onSubmit={submit} aria-label={`Add ${productName} to cart`}>
      <label htmlFor={`${id}-qty`} className="visually-hidden">
        Quantity of {productName}
      </label>
      <input
        id={`${id}-qty`}
        className="qty"
        type="number"
        min={1}
        max={1000}
        inputMode="numeric"
        value={quantity}
        onChange={(e) => setQuantity(e.target.value)}
      />
      <button type="submit" className="small" disabled={busy || available <= 0} aria-busy={busy}>
        {available <= 0 ? "Sold out" : "Add to cart"}
      </button>
      <span role="status" className={message?.error ? "field-error" : "muted"}>
        {message?.text}
        {message?.needsCustomer && (
          <>
            {" "}
            <Link to="/customers">Choose a customer</Link>
          </>
        )}
      </span>
    </form>
  );
}
