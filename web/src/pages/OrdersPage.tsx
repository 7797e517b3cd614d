import { call, client } from "../api/client";
import { ORDER_STATUSES } from "../api/types";
import { ResourceStatus } from "../components/ResourceStatus";
import { Pagination } from "../components/Pagination";
import { StatusBadge } from "../components/StatusBadge";
import { selectedCustomer } from "../hooks/session";
import { useResource } from "../hooks/useResource";
import { formatMoney, formatTime, shortId } from "../format";
import { Link, navigate, useLocation } from "../router";

const PER_PAGE = 20;

export function OrdersPage() {
  const { search } = useLocation();
  const customer = selectedCustomer.use();
  const status = search.get("status") ?? "";
  const mine = search.get("mine") === "1" && customer !== null;
  const page = Math.max(1, Number(search.get("page")) || 1);

  const go = (next: { status?: string; mine?: boolean; page?: number }) => {
    const params = new URLSearchParams();
    const s = next.status ?? status;
    if (s) params.set("status", s);
    if (next.mine ?? mine) params.set("mine", "1");
    const p = next.page ?? 1;
    if (p > 1) params.set("page", String(p));
    const query = params.toString();
    navigate(`/orders${query ? `?${query}` : ""}`, { replace: true });
  };

  const orders = useResource(
    () =>
      call(
        client.GET("/api/orders", {
          params: {
            query: {
              page,
              per_page: PER_PAGE,
              ...(status ? { status } : {}),
              ...(mine && customer ? { customerId: customer.id } : {}),
            },
          },
        }),
      ),
    [page, status, mine, customer?.id],
  );

  return (
    <>
      <h1>Orders</h1>
      <section className="panel" aria-labelledby="order-filters-heading">
        <h2 id="order-filters-heading" className="visually-hidden">
          Filters
        </h2>
        <fieldset className="status-filter">
          <legend>Status</legend>
          {["", ...ORDER_STATUSES].map((value) => (
            <label key={value || "all"} className="chip">
              <input type="radio" name="status" value={value} checked={status === value} onChange={() => go({ status: value })} />
              {value || "All"}
            </label>
          ))}
        </fieldset>
        {customer && (
          <label className="checkbox">
            <input type="checkbox" checked={mine} onChange={(e) => go({ mine: e.target.checked })} />
            Only {customer.name}&rsquo;s orders
          </label>
        )}
      </section>
      <section className="panel" aria-label="Order list">
        <ResourceStatus resource={orders} />
        {orders.data && orders.data.items.length === 0 && <p>No orders match.</p>}
        {orders.data && orders.data.items.length > 0 && (
          <div className="table-scroll">
            <table className="stack">
              <caption className="visually-hidden">Orders, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Order</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="num">Total</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {orders.data.items.map((order) => (
                  <tr key={order.id}>
                    <td data-label="Order">
                      <Link to={`/orders/${order.id}`} aria-label={`Order ${order.id}`}>
                        <code>{shortId(order.id)}</code>
                      </Link>
                    </td>
                    <td data-label="Status">
                      <StatusBadge status={order.status} />
                    </td>
                    <td className="num" data-label="Total">{formatMoney(order.total)}</td>
                    <td data-label="Created">{formatTime(order.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {orders.data && (
          <Pagination
            label="Order pages"
            page={page}
            perPage={PER_PAGE}
            total={orders.data.total}
            onPage={(p) => go({ page: p })}
          />
        )}
      </section>
    </>
  );
}
