import { useEffect, useRef, useState, type FormEvent } from "react";
import { call, client } from "../api/client";
import { fieldErrorsOf, type FieldErrors } from "../api/problem";
import type { Customer, RegisterCustomer } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { ResourceStatus } from "../components/ResourceStatus";
import { Field } from "../components/Field";
import { Pagination } from "../components/Pagination";
import { StatusBadge } from "../components/StatusBadge";
import { selectedCustomer } from "../hooks/session";
import { useResource } from "../hooks/useResource";
import { formatTime } from "../format";

const PER_PAGE = 20;

const EMPTY_FORM = {
  firstName: "",
  lastName: "",
  email: "",
  phone: "",
  line1: "",
  line2: "",
  postalCode: "",
  city: "",
  country: "",
};
type Form = typeof EMPTY_FORM;

function toRequest(form: Form): RegisterCustomer {
  const blank = (value: string) => (value.trim() === "" ? null : value.trim());
  const hasAddress = [form.line1, form.line2, form.postalCode, form.city, form.country].some(
    (v) => v.trim() !== "",
  );
  return {
    firstName: blank(form.firstName),
    lastName: blank(form.lastName),
    email: blank(form.email),
    phone: blank(form.phone),
    address: hasAddress
      ? {
          line1: blank(form.line1),
          line2: blank(form.line2),
          postalCode: blank(form.postalCode),
          city: blank(form.city),
          country: blank(form.country),
        }
      : null,
  };
}

function select(customer: Customer): void {
  selectedCustomer.set({
    id: customer.id,
    name: `${customer.firstName} ${customer.lastName}`,
    email: customer.email,
  });
}

function RegisterForm({ onRegistered }: { onRegistered: (customer: Customer) => void }) {
  const [form, setForm] = useState<Form>(EMPTY_FORM);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  // Take keyboard and screen-reader users to the first field that needs fixing.
  useEffect(() => {
    formRef.current?.querySelector<HTMLInputElement>('[aria-invalid="true"]')?.focus();
  }, [fieldErrors]);

  const bind = (name: keyof Form) => ({
    name,
    value: form[name],
    onChange: (event: { target: { value: string } }) => setForm({ ...form, [name]: event.target.value }),
  });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setFieldErrors({});
    try {
      const customer = await call(client.POST("/api/customers", { body: toRequest(form) }));
      setForm(EMPTY_FORM);
      onRegistered(customer);
    } catch (failure) {
      const errors = fieldErrorsOf(failure, { field: "email", message: "This email address is already registered" });
      if (errors) setFieldErrors(errors);
      else setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const invalid = Object.keys(fieldErrors).length;
  return (
    <form ref={formRef} className="panel form-grid" onSubmit={submit} noValidate aria-labelledby="register-heading">
      <h2 id="register-heading">Register a customer</h2>
      {invalid > 0 && (
        <p className="alert" role="alert">
          Please correct the {invalid === 1 ? "field" : `${invalid} fields`} marked below.
        </p>
      )}
      <ErrorMessage error={error} />
      <Field label="First name" autoComplete="given-name" error={fieldErrors.firstName} {...bind("firstName")} />
      <Field label="Last name" autoComplete="family-name" error={fieldErrors.lastName} {...bind("lastName")} />
      <Field label="Email" type="email" autoComplete="email" error={fieldErrors.email} {...bind("email")} />
      <Field
        label="Phone (optional)"
        type="tel"
        autoComplete="tel"
        hint="International format, e.g. +44 20 7946 0958"
        error={fieldErrors.phone}
        {...bind("phone")}
      />
      <fieldset className="form-grid wide">
        <legend>Address (optional)</legend>
        <Field label="Street" autoComplete="address-line1" error={fieldErrors["address.line1"]} {...bind("line1")} />
        <Field label="Address line 2" autoComplete="address-line2" error={fieldErrors["address.line2"]} {...bind("line2")} />
        <Field label="Postal code" autoComplete="postal-code" error={fieldErrors["address.postalCode"]} {...bind("postalCode")} />
        <Field label="City" autoComplete="address-level2" error={fieldErrors["address.city"]} {...bind("city")} />
        <Field
          label="Country"
          autoComplete="country"
          hint="Two-letter code, e.g. DE"
          error={fieldErrors["address.country"] ?? fieldErrors.address}
          {...bind("country")}
        />
      </fieldset>
      <div className="actions wide">
        <button type="submit" disabled={busy}>
          {busy ? "Registering…" : "Register"}
        </button>
      </div>
    </form>
  );
}

export function CustomersPage() {
  const [page, setPage] = useState(1);
  const [email, setEmail] = useState("");
  const [status, setStatus] = useState("");
  const [filter, setFilter] = useState({ email: "", status: "" });
  const [message, setMessage] = useState("");
  const [actionError, setActionError] = useState<unknown>(null);
  const current = selectedCustomer.use();

  const customers = useResource(
    () =>
      call(
        client.GET("/api/customers", {
          params: {
            query: {
              page,
              per_page: PER_PAGE,
              ...(filter.email ? { email: filter.email } : {}),
              ...(filter.status ? { status: filter.status } : {}),
            },
          },
        }),
      ),
    [page, filter.email, filter.status],
  );

  const setActive = async (customer: Customer, active: boolean) => {
    setActionError(null);
    try {
      const path = active ? "/api/customers/{id}/activate" : "/api/customers/{id}/deactivate";
      await call(client.POST(path, { params: { path: { id: customer.id } } }));
      setMessage(`${customer.firstName} ${customer.lastName} is ${active ? "active again" : "deactivated"}.`);
      customers.reload();
    } catch (failure) {
      setActionError(failure);
    }
  };

  return (
    <>
      <h1>Customers</h1>
      <p role="status" className="status-line">
        {message}
      </p>
      <RegisterForm
        onRegistered={(customer) => {
          select(customer);
          setMessage(`Registered ${customer.firstName} ${customer.lastName}; now shopping as them.`);
          customers.reload();
        }}
      />
      <section className="panel" aria-labelledby="customers-heading">
        <h2 id="customers-heading">All customers</h2>
        <form
          className="filters"
          role="search"
          onSubmit={(event) => {
            event.preventDefault();
            setPage(1);
            setFilter({ email: email.trim(), status });
          }}
        >
          <Field label="Filter by email" type="search" value={email} onChange={(e) => setEmail(e.target.value)} />
          <div className="field">
            <label htmlFor="customer-status">Filter by status</label>
            <select id="customer-status" value={status} onChange={(e) => setStatus(e.target.value)}>
              <option value="">Any</option>
              <option value="Active">Active</option>
              <option value="Deactivated">Deactivated</option>
            </select>
          </div>
          <button type="submit" className="secondary">
            Filter
          </button>
        </form>
        <ErrorMessage error={actionError} />
        <ResourceStatus resource={customers} />
        {customers.data && customers.data.items.length === 0 && <p>No customers match.</p>}
        {customers.data && customers.data.items.length > 0 && (
          <div className="table-scroll">
            <table className="stack">
              <caption className="visually-hidden">Customers, in registration order</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Email</th>
                  <th scope="col">Status</th>
                  <th scope="col">Registered</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {customers.data.items.map((customer) => {
                  const name = `${customer.firstName} ${customer.lastName}`;
                  const isCurrent = current?.id === customer.id;
                  return (
                    <tr key={customer.id} aria-current={isCurrent ? "true" : undefined}>
                      <td data-label="Name">{name}</td>
                      <td data-label="Email">{customer.email}</td>
                      <td data-label="Status">
                        <StatusBadge status={customer.status} />
                      </td>
                      <td data-label="Registered">{formatTime(customer.registeredAt)}</td>
                      <td className="row-actions" data-label="Actions">
                        <button
                          type="button"
                          className="secondary small"
                          disabled={isCurrent}
                          aria-label={isCurrent ? `${name} is selected` : `Shop as ${name}`}
                          onClick={() => {
                            select(customer);
                            setMessage(`Now shopping as ${name}.`);
                          }}
                        >
                          {isCurrent ? "Selected" : "Select"}
                        </button>
                        {customer.status === "Active" ? (
                          <button
                            type="button"
                            className="danger small"
                            aria-label={`Deactivate ${name}`}
                            onClick={() => void setActive(customer, false)}
                          >
                            Deactivate
                          </button>
                        ) : (
                          <button
                            type="button"
                            className="secondary small"
                            aria-label={`Reactivate ${name}`}
                            onClick={() => void setActive(customer, true)}
                          >
                            Reactivate
                          </button>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
        {customers.data && (
          <Pagination
            label="Customer pages"
            page={page}
            perPage={PER_PAGE}
            total={customers.data.total}
            onPage={setPage}
          />
        )}
      </section>
    </>
  );
}
