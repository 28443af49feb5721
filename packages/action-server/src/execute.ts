import * as Effect from "effect/Effect";
import type * as ManagedRuntime from "effect/ManagedRuntime";
import {
  runLook, summarize, declaresSyncs, splitSyncOptions, RunObserverService,
  type MemoryBudgetFigures, type MemoryBudgetService, type RunReport, type RunServices, type RunStop, type Env, type Diagnostic, type RetryPolicy, type SpoolFigures, type SpoolService, type StoreError,
} from "@tagwire/engine";
import type { ActionRef } from "./looker/integrations.js";
import type { ExecuteRequest } from "./looker/execute-request.js";
import { lookOf, type DownloadPolicy } from "./looker/look-source.js";
import type { MainThreadTurns } from "./main-thread-turns.js";
import type { Metrics } from "./metrics.js";
import type { Logger } from "./log.js";
import { maskSecrets, secretForms } from "./secrets.js";

/** The body Looker expects back from an execute. */
export interface LookerResponse {
  looker: { success: boolean; message: string; validation_errors?: Record<string, string>; refresh_query: boolean };
}

export interface ExecuteContext {
  readonly env: Env;
  readonly download: DownloadPolicy;
  readonly metrics: Metrics;
  /**
   * The server's engine services (destination client, rate budgets, row workers, memory budget, the
   * spool), shared by every execute. Built when the server starts (a store that cannot be opened
   * stops it then), so its error does not occur here.
   */
  readonly runtime: ManagedRuntime.ManagedRuntime<RunServices | MemoryBudgetService | SpoolService, StoreError>;
  /** The connector's credentials as they travel (a whole header, a base64 piece): an answer must not repeat them. */
  readonly wireCredentials: ReadonlyArray<string>;
  readonly log: Logger;
  /** Identifies the run for deduplication: Looker's webhook id when it sends one. */
  readonly runId?: string;
  /** Looker's `X-Looker-Instance`: with the scheduled plan id, it names the sync a scheduled send belongs to. */
  readonly lookerInstance?: string;
  /** The server's retry policy (unset fields: the engine's defaults). */
  readonly retry?: Partial<RetryPolicy>;
  /** Destination requests in flight for this execute; unset: the connector's own. */
  readonly concurrency?: number;
  /** Worker threads that parse and transform rows (0: on the server's own thread). */
  readonly workers?: number;
  /** How long a sync's execute waits while another run of the sync holds it; unset: the engine's default. */
  readonly syncWaitMs?: number;
  /** The hub secret: typed into a form field by mistake, it must not come back in the answer. */
  readonly hubSecret?: string;
  /** The server's shutdown: the run stops and answers with what it did (see `shutdownStop`). */
  readonly stop?: RunStop;
  /** The server's thread, shared by every execute: a downloaded Look is read one turn per chunk, and the run's fibers work in turns. */
  readonly turns: MainThreadTurns;
}

/** Runs one execute to its Looker response; never throws. */
export async function execute(ref: ActionRef, req: ExecuteRequest, ctx: ExecuteContext): Promise<LookerResponse> {
  return redact(await respond(ref, req, ctx), secretForms([ctx.hubSecret, ...sensitiveValues(ref, req), ...ctx.wireCredentials]));
}

/** The values given for the connector's sensitive settings: a message must never repeat them, wherever they were typed. */
function sensitiveValues(ref: ActionRef, req: ExecuteRequest): Array<string | undefined> {
  return ref.connector.manifest.settings.filter((s) => s.sensitive !== false).map((s) => req.settings[s.name]);
}

/** Looker shows the message to schedule owners and in emails; a credential typed into the wrong field must not surface there. */
function redact(response: LookerResponse, secrets: ReadonlyArray<string>): LookerResponse {
  if (secrets.length === 0) return response;
  const clean = (text: string) => maskSecrets(text, secrets);
  const looker = { ...response.looker, message: clean(response.looker.message) };
  if (looker.validation_errors !== undefined) looker.validation_errors = Object.fromEntries(Object.entries(looker.validation_errors).map(([k, v]) => [k, clean(v)]));
  return { looker };
}

async function respond(ref: ActionRef, req: ExecuteRequest, ctx: ExecuteContext): Promise<LookerResponse> {
  const { connector, action } = ref;
  const waits = memoryWaits(ctx);
  // The run's attempts go to the server's metrics, its waits for memory to the metrics and this execute's log.
  const observer = { attempt: (status: number | undefined, ms: number) => ctx.metrics.request(connector.id, status, ms), memoryWait: waits.onWait };
  const syncs = declaresSyncs(connector.manifest);
  // A connector that keeps syncs asks `rows` and `removed` beside its options (see formFor).
  const { options, choices, problems } = syncs ? splitSyncOptions(req.formParams) : { options: req.formParams, choices: undefined, problems: {} };
  if (Object.keys(problems).length > 0) {
    return { looker: { success: false, message: `Nothing was sent. ${Object.values(problems).join(". ")}.`, validation_errors: problems, refresh_query: false } };
  }
  // The run's scope holds its spool: its files go when the run ends, however it ends.
  const run = Effect.either(
    Effect.scoped(
      Effect.gen(function* () {
        const look = yield* lookOf(req, ctx.download, ctx.turns);
        const report = yield* runLook({
          connector,
          action: action.name,
          look: look.events,
          ...(look.download !== undefined ? { download: look.download } : {}),
          settings: req.settings,
          options,
          source: "looker",
          ...(ctx.runId !== undefined ? { webhookId: ctx.runId } : {}),
          ...(choices !== undefined ? { sync: { instance: ctx.lookerInstance ?? "unknown", ...(req.scheduledPlanId !== undefined ? { plan: req.scheduledPlanId } : {}), ...(ctx.syncWaitMs !== undefined ? { waitMs: ctx.syncWaitMs } : {}), ...choices } } : {}),
          hiddenFields: req.hiddenFields,
          env: ctx.env,
          ...(ctx.runId !== undefined ? { runId: ctx.runId } : {}),
          ...(ctx.retry !== undefined ? { retry: ctx.retry } : {}),
          ...(ctx.concurrency !== undefined ? { concurrency: ctx.concurrency } : {}),
          ...(ctx.workers !== undefined ? { workers: ctx.workers } : {}),
          ...(ctx.stop !== undefined ? { stop: ctx.stop } : {}),
        }).pipe(Effect.provideService(RunObserverService, observer));
        return { report, spool: look.download?.figures() };
      }),
    ),
  );
  // The run's fibers take their turns on the main thread with every other execute's work (see main-thread-turns.ts).
  const outcome = await ctx.runtime.runPromise(Effect.withScheduler(run, ctx.turns.scheduler));
  if (outcome._tag === "Right") {
    const { report, spool } = outcome.right;
    ctx.metrics.run(report);
    ctx.metrics.execute(action.name, report.success ? "success" : "failure");
    ctx.log.info({ msg: "execute finished", ...figures(report), ...waits.totals(), ...(spool !== undefined ? { spool: spoolFigures(spool) } : {}) });
    return { looker: { success: report.success, message: `${summarize(report)}${warningsNote(report.diagnostics)}`, refresh_query: false } };
  }
  const error = outcome.left;
  ctx.metrics.execute(action.name, "refused");
  switch (error._tag) {
    case "PlanRejected": {
      const errors = error.errors;
      ctx.log.warn({ msg: "execute refused: the Look does not fit the action", errors: errors.map((d) => ({ code: d.code, rule: d.rule, column: d.column })) });
      return {
        looker: {
          success: false,
          message: `Nothing was sent. ${errors.map(describe).join(" ")}`,
          validation_errors: optionErrors(errors),
          refresh_query: false,
        },
      };
    }
    case "SettingsError":
      ctx.log.warn({ msg: "execute refused: settings", settings: error.problems.map((p) => p.setting) });
      return { looker: { success: false, message: `Nothing was sent. ${error.message} Check the action's settings in Looker (Admin > Actions).`, refresh_query: false } };
    case "SourceError":
      ctx.log.warn({ msg: "execute refused: the Look could not be read", reason: error.reason });
      return { looker: { success: false, message: `Nothing was sent: ${error.reason}`, refresh_query: false } };
    case "SyncBusy":
      ctx.log.warn({ msg: "execute refused: its sync is running elsewhere", syncId: error.syncId, waitedMs: error.waitedMs });
      return {
        looker: {
          success: false,
          message: `Nothing was sent: ${error.message}. None of this Look's rows were sent; the next scheduled run sends every row that run did not deliver.`,
          refresh_query: false,
        },
      };
    case "StoreError":
      ctx.log.error({ msg: "execute refused: the sync's state store failed", reason: error.reason });
      return { looker: { success: false, message: `Nothing was sent: the sync's state could not be read (${error.reason}). The next scheduled run tries again.`, refresh_query: false } };
  }
}

/** Logged at most this often per execute while it waits for memory. */
const MEMORY_WAIT_LOG_MS = 1_000;

/**
 * Waits for room in the memory budget: counted in the metrics, logged with how long they took (at
 * most one line a second per execute, with the waits since the last line), and totalled in the
 * "execute finished" line.
 */
function memoryWaits(ctx: ExecuteContext) {
  let waits = 0;
  let waitedMs = 0;
  let unlogged = { waits: 0, waitedMs: 0 };
  let loggedAt = -Infinity;
  return {
    onWait: (ms: number, bytes: number, budget: MemoryBudgetFigures) => {
      ctx.metrics.memoryWait(ms);
      waits++;
      waitedMs += ms;
      unlogged = { waits: unlogged.waits + 1, waitedMs: unlogged.waitedMs + ms };
      const now = performance.now();
      if (now - loggedAt < MEMORY_WAIT_LOG_MS) return;
      loggedAt = now;
      ctx.log.info({ msg: "execute waited for memory", waits: unlogged.waits, waitedMs: Math.round(unlogged.waitedMs), chunkBytes: bytes, budgetBytes: budget.limit, budgetInUseBytes: budget.bytesInUse });
      unlogged = { waits: 0, waitedMs: 0 };
    },
    totals: () => (waits === 0 ? {} : { memoryWaits: waits, memoryWaitMs: Math.round(waitedMs) }),
  };
}

/** One plan error for Looker's message: the column (when there is one), the manifest rule, what is wrong and the fix. */
function describe(d: Diagnostic): string {
  const where = d.column ? `Column ${d.column} (${d.rule})` : `${d.rule.charAt(0).toUpperCase()}${d.rule.slice(1)}`;
  return `${where}: ${d.message}${d.hint ? ` Fix: ${d.hint}` : ""}`;
}

/** The plan's warnings, as `tagwire validate` lists them: a warning often means a column left out of every record. */
const planWarnings = (diagnostics: ReadonlyArray<Diagnostic>): Diagnostic[] => diagnostics.filter((d) => d.severity === "warning");

/**
 * After the summary in Looker's message: how many plan warnings there were and the first, so the
 * owner of a scheduled send learns that a column was left out; `tagwire validate` lists them all.
 */
function warningsNote(diagnostics: ReadonlyArray<Diagnostic>): string {
  const warnings = planWarnings(diagnostics);
  if (warnings.length === 0) return "";
  const first = describe(warnings[0]!);
  return warnings.length === 1 ? ` 1 plan warning: ${first}` : ` ${warnings.length} plan warnings (tagwire validate lists them all); the first: ${first}`;
}

/** Looker shows validation errors next to form fields: option problems are keyed by option name, the first one kept. */
function optionErrors(errors: ReadonlyArray<Diagnostic>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of errors) {
    if (d.subject.kind !== "option") continue;
    const { name } = d.subject;
    // Own properties only: an option named `constructor` or `__proto__` gets its message too.
    if (!Object.hasOwn(out, name)) Object.defineProperty(out, name, { value: d.message, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Figures for logs: counts and reasons, never row values. */
function figures(r: RunReport) {
  return {
    connector: r.connector, action: r.action, runId: r.runId, success: r.success, durationMs: r.durationMs,
    rows: r.rows, requests: r.requests.sent, retries: r.requests.retries, byStatus: r.requests.byStatus, pacedMs: r.requests.pacedMs,
    ...(r.readMs !== undefined ? { readMs: r.readMs } : {}),
    ...(r.sendMs !== undefined ? { sendMs: r.sendMs } : {}),
    rejectedReasons: r.rejected.map((g) => ({ reason: g.reason, count: g.count })),
    // Row numbers (as ranges), never row values: which rows to look at, and their last answer.
    failedReasons: r.failed.map((g) => ({ reason: g.reason, status: g.status, count: g.count, retried: g.retried, rows: clip(g.rows, 2000) })),
    ...(r.sourceError !== undefined ? { sourceError: r.sourceError } : {}),
    ...(r.stopped !== undefined ? { stopped: r.stopped } : {}),
    // As plan errors are logged: which finding, rule and column, never a message (it may quote an option typed in Looker's form).
    ...planWarningFigures(r.diagnostics),
  };
}

function planWarningFigures(diagnostics: ReadonlyArray<Diagnostic>) {
  const warnings = planWarnings(diagnostics);
  return warnings.length === 0 ? {} : { planWarnings: warnings.map((d) => ({ code: d.code, rule: d.rule, column: d.column })) };
}

/** What the download's spool held and how long it was full: sizes and times, never a byte of the Look. */
function spoolFigures(s: SpoolFigures) {
  return {
    bytesRead: s.bytesRead, bytesDirect: s.bytesDirect, bytesSpooled: s.bytesSpooled, peakDiskBytes: s.peakDiskBytes, parts: s.parts, fullWaitMs: Math.round(s.fullWaitMs),
    ...(s.diskError !== undefined ? { diskError: s.diskError } : {}),
  };
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, text.lastIndexOf(",", max - 1) + 1)} …` : text);
