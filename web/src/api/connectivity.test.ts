import { describe, expect, test, vi } from "vitest";
import { getConnectivity, isUnavailableStatus, reportDown, reportUp, whenOnline } from "./connectivity";

describe("connectivity", () => {
  test("counts only gateway failures and no answer as the platform being down", () => {
    expect([0, 502, 503, 504].every(isUnavailableStatus)).toBe(true);
    expect([400, 404, 409, 422, 500].some(isUnavailableStatus)).toBe(false);
  });

  test("whenOnline calls back once, on the first recovery", () => {
    // Fake timers keep the prober from running; the test drives down and up itself.
    vi.useFakeTimers();
    const listener = vi.fn();
    whenOnline(listener);
    reportDown();
    expect(getConnectivity().online).toBe(false);
    expect(listener).not.toHaveBeenCalled();
    reportUp();
    expect(listener).toHaveBeenCalledTimes(1);
    reportDown();
    reportUp();
    expect(listener).toHaveBeenCalledTimes(1);
  });
});
