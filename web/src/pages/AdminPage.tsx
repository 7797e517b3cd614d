import { useEffect, useState, type FormEvent } from "react";
import {
  ADMIN_SERVICES,
  DEAD_LETTER_SERVICES,
  admin,
  type AdminService,
  type DeadLetter,
  type DeadLetterService,
  type FaultState,
} from "../api/admin";
import { fieldErrorsOf, type FieldErrors } from "../api/problem";
import { ErrorMessage } from "../components/ErrorMessage";
import { ResourceStatus } from "../components/ResourceStatus";
import { Field } from "../components/Field";
import { adminToken } from "../hooks/session";
import { useResource } from "../hooks/useResource";
import { formatTime } from "../format";

function TokenForm() {
  const [value, setValue] = useState("");
  return (
    <form
      className="panel form-grid"
      onSubmit={(event) => {
        event.preventDefault();
        if (value.trim()) adminToken.set(value.trim());
      }}
    >
      <h2 className="wide">Sign in</h2>
      <Field
        label="Admin token"
        type="password"
        autoComplete="off"
        value={value}
        onChange={(e) => setValue(e.target.value)}
        hint="The platform's ADMIN_TOKEN; kept only for this browser tab."
      />
      <div className="actions wide">
        <button type="submit">Unlock admin</button>
      </div>
    </form>
  );
}

type FaultForm = Record<keyof Omit<FaultState, "crashOnNext">, string> & { crashOnNext: boolean };

function toForm(state: FaultState): FaultForm {
  return {
    declineRate: String(state.declineRate),
    latencyMs: String(state.latencyMs),
    failNextTransient: String(state.failNextTransient),
    failNextPermanent: String(state.failNextPermanent),
    crashOnNext: state.crashOnNext,
  };
}

function Faults({ token }: { token: string }) {
  const [service, setService] = useState<AdminService>("payment");
  const faults = useResource(() => admin.faults(token, service), [token, service]);
  const [form, setForm] = useState<FaultForm | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<unknown>(null);
  const [message, setMessage] = useState("");

  // Follows the loaded state; cleared while another service's faults load, so the form
  // never shows one service's values under another's name.
  useEffect(() => {
    setForm(faults.data ? toForm(faults.data) : null);
  }, [faults.data]);

  const run = async (action: () => Promise<FaultState | void>, done: string) => {
    setErrors({});
    setError(null);
    setMessage("");
    try {
      const state = await action();
      if (state) setForm(toForm(state));
      else faults.reload();
      setMessage(done);
    } catch (failure) {
      const fieldErrors = fieldErrorsOf(failure);
      if (fieldErrors) setErrors(fieldErrors);
      else setError(failure);
    }
  };

  const apply = (event: FormEvent) => {
    event.preventDefault();
    if (!form) return;
    void run(
      () =>
        admin.setFaults(token, service, {
          declineRate: Number(form.declineRate),
          latencyMs: Number(form.latencyMs),
          failNextTransient: Number(form.failNextTransient),
          failNextPermanent: Number(form.failNextPermanent),
          crashOnNext: form.crashOnNext,
        }),
      `Faults of the ${service} service applied.`,
    );
  };

  const bind = (name: Exclude<keyof FaultForm, "crashOnNext">) => ({
    value: form?.[name] ?? "",
    onChange: (e: { target: { value: string } }) => form && setForm({ ...form, [name]: e.target.value }),
  });

  return (
    <section className="panel" aria-labelledby="faults-heading">
      <h2 id="faults-heading">Fault injection</h2>
      <div className="field">
        <label htmlFor="fault-service">Service</label>
        <select id="fault-service" value={service} onChange={(e) => setService(ADMIN_SERVICES.find((s) => s === e.target.value) ?? "payment")}>
          {ADMIN_SERVICES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <ResourceStatus resource={faults} />
      {form && (
        <form className="form-grid" onSubmit={apply} noValidate aria-label={`Faults of the ${service} service`}>
          <Field
            label="Decline rate"
            type="number"
            min={0}
            max={1}
            step={0.05}
            hint="Share of payments to decline, 0 to 1"
            error={errors.declineRate}
            {...bind("declineRate")}
          />
          <Field label="Latency (ms)" type="number" min={0} max={60000} step={100} error={errors.latencyMs} {...bind("latencyMs")} />
          <Field
            label="Fail next N (transient)"
            type="number"
            min={0}
            hint="Retried, then dead-lettered"
            error={errors.failNextTransient}
            {...bind("failNextTransient")}
          />
          <Field
            label="Fail next N (permanent)"
            type="number"
            min={0}
            hint="Dead-lettered at once"
            error={errors.failNextPermanent}
            {...bind("failNextPermanent")}
          />
          <label className="checkbox wide">
            <input
              type="checkbox"
              checked={form.crashOnNext}
              onChange={(e) => setForm({ ...form, crashOnNext: e.target.checked })}
            />
            Crash on the next message
          </label>
          <ErrorMessage error={error} />
          <div className="actions wide">
            <button type="submit">Apply faults</button>
            <button
              type="button"
              className="secondary"
              onClick={() => void run(() => admin.clearFaults(token, service), `Faults of the ${service} service cleared.`)}
            >
              Clear all faults
            </button>
            <span role="status">{message}</span>
          </div>
        </form>
      )}
    </section>
  );
}

function DeadLetters({ token, service, eventType }: { token: string; service: DeadLetterService; eventType: string }) {
  const letters = useResource(
    () => admin.deadLetters(token, service, eventType ? { eventType } : {}),
    [token, service, eventType],
  );
  const [message, setMessage] = useState("");
  const [error, setError] = useState<unknown>(null);

  const replay = async (letter?: DeadLetter) => {
    setError(null);
    setMessage("");
    try {
      const filter = letter
        ? {
            group: letter.group,
            ...(letter.originalTopic ? { originalTopic: letter.originalTopic } : {}),
            partition: letter.partition,
            offset: letter.offset,
          }
        : eventType
          ? { eventType }
          : {};
      const { replayed } = await admin.replay(token, service, filter);
      setMessage(`Replayed ${replayed} record${replayed === 1 ? "" : "s"}.`);
      letters.reload();
    } catch (failure) {
      setError(failure);
    }
  };

  const items = letters.data?.items ?? [];
  return (
    <section className="subpanel" aria-labelledby={`dlt-${service}`}>
      <div className="panel-heading">
        <h3 id={`dlt-${service}`}>
          {service} <span className="muted small-text">({letters.data ? items.length : "…"})</span>
        </h3>
        <div className="row-actions">
          <button type="button" className="secondary small" onClick={letters.reload}>
            Refresh
          </button>
          <button type="button" className="small" disabled={items.length === 0} onClick={() => void replay()}>
            Replay all{eventType ? ` ${eventType}` : ""}
          </button>
        </div>
      </div>
      <p role="status">{message}</p>
      <ErrorMessage error={error} />
      <ResourceStatus resource={letters} loading="Reading the dead-letter topics…" />
      {letters.data && items.length === 0 && <p className="muted">No dead letters.</p>}
      {items.length > 0 && (
        <div className="table-scroll">
          <table>
            <caption className="visually-hidden">Dead letters of the {service} service</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Error</th>
                <th scope="col">Attempts</th>
                <th scope="col">Failed</th>
                <th scope="col">Record</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((letter) => (
                <tr key={`${letter.group}/${letter.topic}/${letter.partition}/${letter.offset}`}>
                  <td>
                    {letter.eventType ?? "unknown"}
                    <div className="muted small-text">
                      group {letter.group}
                      {letter.eventId && (
                        <>
                          {" · id "}
                          <code>{letter.eventId}</code>
                        </>
                      )}
                    </div>
                  </td>
                  <td>
                    <strong>{letter.errorKind ?? "error"}</strong>
                    {letter.exceptionMessage && <div className="small-text">{letter.exceptionMessage}</div>}
                  </td>
                  <td className="num">{letter.attempts}</td>
                  <td>{formatTime(letter.failedAt)}</td>
                  <td className="small-text">
                    {letter.originalTopic ?? letter.topic} #{letter.originalPartition ?? letter.partition}@
                    {letter.originalOffset ?? letter.offset}
                  </td>
                  <td>
                    <button
                      type="button"
                      className="secondary small"
                      aria-label={`Replay ${letter.eventType ?? "record"} at offset ${letter.offset}`}
                      onClick={() => void replay(letter)}
                    >
                      Replay
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function DeadLetterSection({ token }: { token: string }) {
  const [input, setInput] = useState("");
  const [eventType, setEventType] = useState("");
  return (
    <section className="panel" aria-labelledby="dead-letters-heading">
      <h2 id="dead-letters-heading">Dead letters</h2>
      <form
        className="filters"
        onSubmit={(event) => {
          event.preventDefault();
          setEventType(input.trim());
        }}
      >
        <Field label="Event type" value={input} placeholder="e.g. orderflow.order.placed.v1" onChange={(e) => setInput(e.target.value)} />
        <button type="submit" className="secondary">
          Filter
        </button>
      </form>
      {DEAD_LETTER_SERVICES.map((service) => (
        <DeadLetters key={service} token={token} service={service} eventType={eventType} />
      ))}
    </section>
  );
}

export function AdminPage() {
  const token = adminToken.use();
  return (
    <>
      <h1>Admin</h1>
      {!token ? (
        <TokenForm />
      ) : (
        <>
          <p className="actions">
            <span>Signed in with the admin token.</span>
            <button type="button" className="secondary small" onClick={() => adminToken.set(null)}>
              Forget token
            </button>
          </p>
          <Faults token={token} />
          <DeadLetterSection token={token} />
        </>
      )}
    </>
  );
}
