import { defineConfig } from "vitest/config";

// The fault suite, the load test, the replicas' rate test and the spool's timing test measure time and memory: each runs in
// its own group, after the other test files, so that nothing else competes with them for the CPU.
const TIMED = ["test/faults.test.ts", "test/load.test.ts", "test/replicas.test.ts", "test/spool-blackbox.test.ts"];
const limits = { testTimeout: 30_000, hookTimeout: 60_000 };

export default defineConfig({
  test: {
    // Tests that start the server as its own process run the built dist/: build it once, first.
    globalSetup: ["test/build.ts"],
    projects: [
      { test: { name: "server", include: ["test/**/*.test.ts"], exclude: TIMED, ...limits, sequence: { groupOrder: 0 } } },
      { test: { name: "faults", include: ["test/faults.test.ts"], ...limits, sequence: { groupOrder: 1 } } },
      { test: { name: "load", include: ["test/load.test.ts"], ...limits, sequence: { groupOrder: 2 } } },
      { test: { name: "replicas", include: ["test/replicas.test.ts"], ...limits, sequence: { groupOrder: 3 } } },
      { test: { name: "spool", include: ["test/spool-blackbox.test.ts"], ...limits, sequence: { groupOrder: 4 } } },
    ],
  },
});
