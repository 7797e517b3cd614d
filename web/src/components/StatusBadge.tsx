// An order or customer status as a labelled badge; colour only repeats the text.
export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status.toLowerCase()}`}>{status}</span>;
}
