import { useState, type FormEvent } from "react";
import { call, client } from "../api/client";
import { fieldErrorsOf, type FieldErrors } from "../api/problem";
import { AddToCart } from "../components/AddToCart";
import { ErrorMessage } from "../components/ErrorMessage";
import { ResourceStatus } from "../components/ResourceStatus";
import { Field } from "../components/Field";
import { Pagination } from "../components/Pagination";
import { useResource } from "../hooks/useResource";
import { formatMoney } from "../format";
import { Link, navigate, useLocation } from "../router";

const PER_PAGE = 20;

const EMPTY_PRODUCT = { sku: "", name: "", price: "", currency: "EUR", stock: "0" };

function NewProductForm({ onCreated }: { onCreated: () => void }) {
  const [form, setForm] = useState(EMPTY_PRODUCT);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<unknown>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setErrors({});
    setError(null);
    const cents = form.price.trim() === "" ? null : Math.round(Number(form.price) * 100);
    try {
      const product = await call(
        client.POST("/api/products", {
          body: {
            sku: form.sku.trim() || null,
            name: form.name.trim() || null,
            price: { amount: cents, currency: form.currency.trim() || null },
            stockOnHand: form.stock.trim() === "" ? null : Number(form.stock),
          },
        }),
      );
      setForm(EMPTY_PRODUCT);
      onCreated();
      navigate(`/catalogue/${product.id}`);
    } catch (failure) {
      const fieldErrors = fieldErrorsOf(failure, { field: "sku", message: "SKU already in the catalogue" });
      if (fieldErrors) setErrors(fieldErrors);
      else setError(failure);
    }
  };

  const bind = (name: keyof typeof EMPTY_PRODUCT) => ({
    value: form[name],
    onChange: (e: { target: { value: string } }) => setForm({ ...form, [name]: e.target.value }),
  });

  return (
    <details className="panel">
      <summary>Add a product</summary>
      <form className="form-grid" onSubmit={submit} noValidate>
        <ErrorMessage error={error} />
        <Field label="SKU" error={errors.sku} {...bind("sku")} />
        <Field label="Name" error={errors.name} {...bind("name")} />
        <Field label="Price" inputMode="decimal" hint="e.g. 12.99" error={errors["price.amount"] ?? errors.price} {...bind("price")} />
        <Field label="Currency" error={errors["price.currency"]} {...bind("currency")} />
        <Field label="Units in stock" type="number" min={0} error={errors.stockOnHand} {...bind("stock")} />
        <div className="actions wide">
          <button type="submit">Add product</button>
        </div>
      </form>
    </details>
  );
}

export function CataloguePage() {
  const { search } = useLocation();
  const page = Math.max(1, Number(search.get("page")) || 1);
  const products = useResource(
    () => call(client.GET("/api/products", { params: { query: { page, per_page: PER_PAGE } } })),
    [page],
  );

  return (
    <>
      <h1>Catalogue</h1>
      <NewProductForm onCreated={products.reload} />
      <section className="panel" aria-labelledby="products-heading">
        <h2 id="products-heading">Products</h2>
        <p className="muted">Open a product to see its reserved stock or to adjust its stock.</p>
        <ResourceStatus resource={products} />
        {products.data && products.data.items.length === 0 && <p>The catalogue is empty.</p>}
        {products.data && products.data.items.length > 0 && (
          <div className="table-scroll">
            <table className="stack">
              <caption className="visually-hidden">Products with their stock</caption>
              <thead>
                <tr>
                  <th scope="col">Product</th>
                  <th scope="col">SKU</th>
                  <th scope="col" className="num">Price</th>
                  <th scope="col" className="num">Available</th>
                  <th scope="col">Cart</th>
                </tr>
              </thead>
              <tbody>
                {products.data.items.map((product) => (
                  <tr key={product.id} data-sku={product.sku}>
                    <td data-label="Product">
                      <Link to={`/catalogue/${product.id}`}>{product.name}</Link>
                    </td>
                    <td data-label="SKU">
                      <code>{product.sku}</code>
                    </td>
                    <td className="num" data-label="Price">{formatMoney(product.price)}</td>
                    <td className="num" data-label="Available">
                      {product.available}
                      <span className="muted small-text"> ({product.stockOnHand} on hand)</span>
                    </td>
                    <td data-label="Cart">
                      <AddToCart productId={product.id} productName={product.name} available={product.available} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {products.data && (
          <Pagination
            label="Catalogue pages"
            page={page}
            perPage={PER_PAGE}
            total={products.data.total}
            onPage={(next) => navigate(`/catalogue?page=${next}`)}
          />
        )}
      </section>
    </>
  );
}
