// Tells the user the platform is down and when the next retry is; disappears on recovery.
import { useEffect, useState, useSyncExternalStore } from "react";
import { getConnectivity, probeNow, subscribeConnectivity } from "../api/connectivity";

export function ConnectivityBanner() {
  const state = useSyncExternalStore(subscribeConnectivity, getConnectivity);
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    if (state.online) return;
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, [state.online]);

  // Only the headline is live: a countdown inside the live region would be read out
  // every second.
  return (
    <div className={state.online ? "visually-hidden" : "banner"}>
      <span role="status">{state.online ? null : <strong>OrderFlow is unreachable.</strong>}</span>
      {!state.online && (
        <>
          {" "}
          {state.nextProbeAt && state.nextProbeAt > now
            ? `Retrying in ${Math.ceil((state.nextProbeAt - now) / 1000)} s`
            : "Retrying…"}
          {state.attempts > 0 && ` (attempt ${state.attempts + 1})`}.{" "}
          <button type="button" className="secondary small" onClick={probeNow}>
            Retry now
          </button>
        </>
      )}
    </div>
  );
}
