// The parts of the engine a process shares between its runs: the destination client (keep-alive
// sockets), the rate budgets of the destinations it sends to, and the row worker threads. Each
// runtime (the action server, a CLI command) builds them once with `engineLayer` and releases them
// when it ends; a run takes them from its context, so no module keeps state of its own.

import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import { createTransport, type Transport, type TransportOptions } from "../deliver/transport.js";
import { LocalRateBudgets, type RateBudgets } from "./pacing.js";
import { RowWorkerPool, type RowWorkerOptions } from "./row-workers.js";

/** The HTTP client every request of the process goes through. */
export class TransportService extends Context.Tag("@tagwire/engine/Transport")<TransportService, Transport>() {}

/** The rate budgets runs to one destination share: the process's own, unless its runtime provides budgets its replicas share. */
export class RateBudgetsService extends Context.Tag("@tagwire/engine/RateBudgets")<RateBudgetsService, RateBudgets>() {}

/** The row worker threads runs share. */
export class RowWorkerPoolService extends Context.Tag("@tagwire/engine/RowWorkerPool")<RowWorkerPoolService, RowWorkerPool>() {}

/** What a run needs from its runtime. */
export type RunServices = TransportService | RateBudgetsService | RowWorkerPoolService;

/** The engine's shared parts, released (sockets closed, threads stopped) with the layer's scope. */
export function engineLayer(options: { readonly transport?: TransportOptions; readonly rowWorkers?: RowWorkerOptions } = {}): Layer.Layer<RunServices> {
  return Layer.mergeAll(
    Layer.scoped(TransportService, Effect.acquireRelease(Effect.sync(() => createTransport(options.transport)), (t) => Effect.sync(() => t.close()))),
    Layer.sync(RateBudgetsService, (): RateBudgets => new LocalRateBudgets()),
    Layer.scoped(RowWorkerPoolService, Effect.acquireRelease(Effect.sync(() => new RowWorkerPool(options.rowWorkers)), (pool) => Effect.promise(() => pool.close()))),
  );
}
