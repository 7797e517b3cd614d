// Display formats shared by the pages.
import type { Money } from "./api/types";

export function formatMoney(money: Money | null | undefined): string {
  if (!money) return "—";
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency: money.currency }).format(
      money.amount / 100,
    );
  } catch {
    return `${(money.amount / 100).toFixed(2)} ${money.currency}`;
  }
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, {
    dateStyle: "medium",
    timeStyle: "medium",
  });
}

/** The tail of a UUID: v7 ids share their leading timestamp digits, the tail tells them apart. */
export function shortId(id: string): string {
  return `…${id.slice(-12)}`;
}
