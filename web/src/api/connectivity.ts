// Whether the platform answers. A request that gets no answer (or a 502/503/504) marks it
// down; then one prober retries with exponential backoff and marks it up again, and every
// view waiting on it reloads. Centralising the retry keeps a dozen views from hammering
// a gateway that is restarting.

export interface Connectivity {
  online: boolean;
  /** When the next probe runs (epoch ms), while offline. */
  nextProbeAt: number | null;
  /** Failed probes since the platform went down. */
  attempts: number;
}

/** A cheap GET through the gateway's API that needs a live service behind it. */
export const PROBE_URL = "/api/products?per_page=1";
const BASE_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;

let state: Connectivity = { online: true, nextProbeAt: null, attempts: 0 };
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setTimeout> | null = null;

function set(next: Connectivity): void {
  state = next;
  for (const listener of listeners) listener();
}

export function getConnectivity(): Connectivity {
  return state;
}

export function subscribeConnectivity(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The delay before probe number `attempt` (0-based): 1 s, 2 s, 4 s, … capped at 30 s. */
export function backoffDelay(attempt: number): number {
  return Math.min(BASE_DELAY_MS * 2 ** attempt, MAX_DELAY_MS);
}

/** Statuses meaning the gateway could not reach a service (0: no answer at all). */
export function isUnavailableStatus(status: number): boolean {
  return status === 0 || status === 502 || status === 503 || status === 504;
}

export function reportDown(): void {
  if (!state.online) return;
  schedule(0);
}

export function reportUp(): void {
  if (timer) clearTimeout(timer);
  timer = null;
  if (!state.online) set({ online: true, nextProbeAt: null, attempts: 0 });
}

/** Probes now instead of waiting for the backoff (the banner's "Retry now"). */
export function probeNow(): void {
  if (state.online) return;
  if (timer) clearTimeout(timer);
  void probe();
}

function schedule(attempts: number): void {
  const delay = backoffDelay(attempts);
  if (timer) clearTimeout(timer);
  timer = setTimeout(() => void probe(), delay);
  set({ online: false, nextProbeAt: Date.now() + delay, attempts });
}

async function probe(): Promise<void> {
  timer = null;
  try {
    const response = await globalThis.fetch(PROBE_URL, { headers: { Accept: "application/json" } });
    if (response.status < 500) {
      reportUp();
      return;
    }
  } catch {
    // No answer: still down.
  }
  schedule(state.attempts + 1);
}

/** Calls `listener` once, the next time the platform comes back. */
export function whenOnline(listener: () => void): () => void {
  const unsubscribe = subscribeConnectivity(() => {
    if (!state.online) return;
    unsubscribe();
    listener();
  });
  return unsubscribe;
}
