// What a runtime watches while a run goes, as a service of the run's context: every HTTP attempt
// and every wait for room in the memory budget. The action server provides one per execute (its
// metrics and that execute's log); a run without one is not watched.

import * as Context from "effect/Context";
import type { MemoryBudgetFigures } from "./memory-budget.js";

export interface RunObserver {
  /** Every HTTP attempt (retries included): status (undefined on a network error) and latency. */
  attempt(status: number | undefined, latencyMs: number): void;
  /** A chunk of `bytes` waited `waitedMs` for room in the process's memory budget, whose figures are given. */
  memoryWait(waitedMs: number, bytes: number, budget: MemoryBudgetFigures): void;
}

export class RunObserverService extends Context.Tag("@tagwire/engine/RunObserver")<RunObserverService, RunObserver>() {}
