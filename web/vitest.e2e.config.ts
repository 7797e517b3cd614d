import { defineConfig } from "vitest/config";

// End-to-end specs drive a real Chromium against the running platform: one at a time,
// because they share the payment service's faults, with timeouts that allow for a saga.
export default defineConfig({
  test: {
    environment: "node",
    include: ["e2e/**/*.e2e.test.ts"],
    fileParallelism: false,
    sequence: { concurrent: false },
    testTimeout: 120_000,
    // Long enough for waitForPlatform to ride out a platform restart.
    hookTimeout: 240_000,
    retry: 0,
  },
});
