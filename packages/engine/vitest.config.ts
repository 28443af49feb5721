import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Property tests run from a fixed seed so CI is repeatable; FC_SEED=<n> explores other inputs.
    setupFiles: ["./test/support/fast-check-seed.ts"],
  },
});
