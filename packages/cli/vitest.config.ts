import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The tests run the built binary, as a user would: build it once before any test file.
    globalSetup: ["test/support/build.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
