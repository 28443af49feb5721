// The run's first stage: everything decided before a row is transformed. It reads the Look's
// header, plans, resolves the settings into an endpoint and starts the pacer. It is the only stage
// that fails: once it has succeeded, every outcome is counted in the report.

import { randomUUID } from "node:crypto";
import * as Effect from "effect/Effect";
import type { Connector } from "../manifest/connector.js";
import type { LookEvent } from "../look/read-look.js";
import { peekHeader, type PeekedLook } from "../look/peek-header.js";
import { plan as makePlan } from "../plan/plan.js";
import type { Plan, PlanInput } from "../plan/types.js";
import { RequestShape } from "../batch/batcher.js";
import type { Transport } from "../deliver/transport.js";
import type { Endpoint } from "../deliver/send-batch.js";
import type { Pacer } from "../deliver/pacer.js";
import type { RunContext } from "../transform/transform.js";
import { PlanRejected, SettingsError, SourceError } from "./errors.js";
import { runContextOf } from "./run-context.js";
import { requestBodyFields, resolveEndpoint, resolveSettings } from "./endpoint.js";
import { packingOf, type PackingSetup } from "./chunk-processor.js";
import { destinationOf, pacerFor } from "./pacing.js";
import { ReportBuilder, type RunClock } from "./report.js";
import { RunTally } from "./run-tally.js";
import type { RunInput } from "./run-input.js";
import type { RunStopping } from "./run-stop.js";
import { RateBudgetsService, TransportService } from "./services.js";
import type { StoreError, SyncBusy } from "../sync/store.js";
import type * as Scope from "effect/Scope";
import { openRunSync, type RunSync } from "../sync/run-sync.js";

/** A run ready for its rows: what the later stages share. */
export interface OpenRun {
  readonly connector: Connector;
  readonly plan: Plan;
  /** What the run's fills and record ids are derived from. */
  readonly context: RunContext;
  /** Where and how requests go; none for a dry run, which sends nothing. */
  readonly endpoint: Endpoint | undefined;
  readonly transport: Transport;
  /** The run's rate limit and 429 hold; none for a dry run or a send with the rate limit off. */
  readonly pacer: Pacer | undefined;
  /** The request envelope records are packed into, and how requests are sized around it. */
  readonly shape: RequestShape;
  readonly packing: PackingSetup;
  /** The Look's events after its header. */
  readonly rows: AsyncIterator<LookEvent>;
  readonly tally: RunTally;
  /** The run's sync and its place in the store's history, when there are. */
  readonly sync: RunSync;
}

/** The run's sync, if any, stays held until `Scope` closes (see SyncRun.open). `clock`: when the run started, the header's reading included. */
export function openRun(input: RunInput, stopping: RunStopping, clock: RunClock): Effect.Effect<OpenRun, PlanRejected | SettingsError | SourceError | StoreError | SyncBusy, TransportService | RateBudgetsService | Scope.Scope> {
  return Effect.gen(function* () {
    const { connector } = input;
    const { header, rest } = yield* headerOf(input.look, stopping);
    const planInput: PlanInput = {
      fields: header.fields,
      ...(input.hiddenFields ? { hiddenFields: input.hiddenFields } : {}),
      ...(input.options ? { options: input.options } : {}),
      ...(input.action ? { action: input.action } : {}),
      ...(input.downstreams ? { downstreams: input.downstreams } : {}),
      ...(input.tagSource ? { tagSource: input.tagSource } : {}),
    };
    const plan = makePlan(connector, planInput);
    input.onPlan?.(plan);
    if (!plan.ok) return yield* Effect.fail(new PlanRejected({ plan }));
    const env = input.env ?? process.env;
    // A dry run sends nothing, so it needs no credentials and is not paced.
    const endpoint = input.dryRun ? undefined : yield* settingsStep(() => resolveEndpoint(connector, resolveSettings(connector, input.settings ?? {}), plan.options, env));
    const transport = input.transport ?? (yield* TransportService);
    // The HTTP client is loaded before the pacer's clock starts, so its loading is neither counted as
    // pacing nor taken out of the first interval between requests.
    if (endpoint !== undefined) yield* Effect.promise(() => transport.ready?.() ?? Promise.resolve());
    const budgets = yield* RateBudgetsService;
    const pacer = endpoint === undefined ? undefined : yield* settingsStep(() => pacerFor(connector, input.rateLimit, env, { budgets, destination: destinationOf(endpoint) }));
    if (pacer !== undefined) input.download?.watchHold?.(() => pacer.holdsBack(performance.now()));

    const runId = input.runId ?? randomUUID();
    const report = new ReportBuilder({
      connector: connector.id, label: connector.manifest.label, runId, dryRun: input.dryRun === true, diagnostics: plan.diagnostics,
      ...(plan.action ? { action: plan.action.name } : {}),
    }, clock);
    // A dry run has no endpoint: body fields are sized from the settings given, if any.
    const shape = new RequestShape(connector.manifest.wire.envelope, endpoint?.bodyFields ?? requestBodyFields(connector, input.settings ?? {}));
    const context = runContextOf(plan, input.settings ?? {}, runId, header.ranAt);
    const sync = yield* openRunSync(input, plan, header.fields, context, report, () => stopping.holdWatch());
    return {
      connector, plan, endpoint, transport, pacer, shape, rows: rest, context, sync,
      packing: packingOf(connector, shape),
      tally: new RunTally(report, pacer, input.onProgress),
    };
  });
}

/** The Look's header, unless the caller read it already; a stop asked for while it is awaited ends the wait. */
function headerOf(look: RunInput["look"], stopping: RunStopping): Effect.Effect<PeekedLook, SourceError> {
  if ("header" in look) return Effect.succeed(look);
  return Effect.raceFirst(
    Effect.tryPromise({ try: () => peekHeader(look), catch: (e) => new SourceError({ reason: errorText(e) }) }),
    Effect.zipRight(stopping.asked, Effect.fail(new SourceError({ reason: "the run was stopped before the Look's fields arrived" }))),
  ).pipe(Effect.flatMap((peeked) => (peeked === undefined ? Effect.fail(new SourceError({ reason: "the Look has no fields: is it a json_detail result?" })) : Effect.succeed(peeked))));
}

/** A step that reads settings: a SettingsError it throws is the run's error; anything else is a defect, not a settings problem. */
function settingsStep<A>(step: () => A): Effect.Effect<A, SettingsError> {
  return Effect.try({ try: step, catch: (e) => e }).pipe(Effect.catchAll((e) => (e instanceof SettingsError ? Effect.fail(e) : Effect.die(e))));
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
