// The shell: skip link, header with navigation, connectivity banner, and the routed page
// inside an error boundary that resets when the user navigates away.
import { useEffect, useRef, type ReactNode } from "react";
import { ConnectivityBanner } from "./components/ConnectivityBanner";
import { ErrorBoundary } from "./components/ErrorBoundary";
import { cart, selectedCustomer } from "./hooks/session";
import { AdminPage } from "./pages/AdminPage";
import { CartPage } from "./pages/CartPage";
import { CataloguePage } from "./pages/CataloguePage";
import { CustomersPage } from "./pages/CustomersPage";
import { NotificationsPage } from "./pages/NotificationsPage";
import { OrderDetailPage } from "./pages/OrderDetailPage";
import { OrdersPage } from "./pages/OrdersPage";
import { ProductPage } from "./pages/ProductPage";
import { Link, matchPath, useLocation } from "./router";

const NAV = [
  { to: "/customers", label: "Customers" },
  { to: "/catalogue", label: "Catalogue" },
  { to: "/cart", label: "Cart" },
  { to: "/orders", label: "Orders" },
  { to: "/notifications", label: "Notifications" },
  { to: "/admin", label: "Admin" },
];

function route(pathname: string): { page: ReactNode; title: string } {
  if (pathname === "/" || pathname === "/customers") return { page: <CustomersPage />, title: "Customers" };
  if (pathname === "/catalogue") return { page: <CataloguePage />, title: "Catalogue" };
  const product = matchPath("/catalogue/:id", pathname);
  if (product?.id) return { page: <ProductPage id={product.id} />, title: "Product" };
  if (pathname === "/cart") return { page: <CartPage />, title: "Cart" };
  if (pathname === "/orders") return { page: <OrdersPage />, title: "Orders" };
  const order = matchPath("/orders/:id", pathname);
  if (order?.id) return { page: <OrderDetailPage id={order.id} />, title: "Order" };
  if (pathname === "/notifications") return { page: <NotificationsPage />, title: "Notifications" };
  if (pathname === "/admin") return { page: <AdminPage />, title: "Admin" };
  return {
    page: (
      <>
        <h1>Page not found</h1>
        <p>
          There is nothing at <code>{pathname}</code>. <Link to="/customers">Go to Customers</Link>.
        </p>
      </>
    ),
    title: "Not found",
  };
}

export function App() {
  const { pathname } = useLocation();
  const customer = selectedCustomer.use();
  const current = cart.use();
  const main = useRef<HTMLElement>(null);
  const { page, title } = route(pathname);
  const first = useRef(true);

  // Move focus to the new page so keyboard and screen-reader users start at its top.
  useEffect(() => {
    document.title = `${title} · OrderFlow`;
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [pathname, title]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <div className="header-row">
          <Link to="/customers" className="brand">
            OrderFlow
          </Link>
          <p className="shopper" aria-live="polite">
            {customer ? (
              <>
                Shopping as <strong>{customer.name}</strong>
                {current && current.customerId === customer.id && " · cart open"}
              </>
            ) : (
              "No customer selected"
            )}
          </p>
        </div>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => {
              const active = pathname === item.to || pathname.startsWith(`${item.to}/`);
              return (
                <li key={item.to}>
                  <Link to={item.to} aria-current={active ? "page" : undefined}>
                    {item.label}
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
      </header>
      <ConnectivityBanner />
      <main id="main" ref={main} tabIndex={-1}>
        <ErrorBoundary key={pathname}>{page}</ErrorBoundary>
      </main>
      <footer className="site-footer">
        <p>OrderFlow · talks only to the gateway&rsquo;s /api</p>
      </footer>
    </>
  );
}
