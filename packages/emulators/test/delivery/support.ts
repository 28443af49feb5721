// Shared by the delivery tests: build json_detail Looks, run them through the engine into the
// emulators, and watch every HTTP attempt on the way.

import { Effect, ManagedRuntime } from "effect";
import { afterAll, beforeAll, beforeEach } from "vitest";
import {
  baseUrlVariable,
  createTransport,
  findConnector,
  loadConnectors,
  lookSourceFromString,
  readLook,
  recordId,
  resolveOptions,
  engineLayer,
  runLook,
  type RunServices,
  workspaceOf,
  type AttemptResult,
  type Connector,
  type LookField,
  type LookSource,
  type PlanRejected,
  type RunInput,
  type RunReport,
  type SettingsError,
  type SourceError,
  type StoreError,
  type SyncBusy,
  SyncStoreService,
  type SyncStore,
  type Transport,
} from "@tagwire/engine";
import { startEmulators, type EmulatorOptions, type Emulators } from "../../src/index.js";

const connectors = loadConnectors();
export const mparticle: Connector = findConnector(connectors, "mparticle");
export const segment: Connector = findConnector(connectors, "segment");
export const braze: Connector = findConnector(connectors, "braze");
export const amplitude: Connector = findConnector(connectors, "amplitude");

export const RAN_AT = "2026-11-01T10:00:00Z";
export const RAN_AT_MS = Date.parse(RAN_AT);
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Retries fast enough for tests; the delays still grow and carry jitter. */
export const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 50 } as const;

/** A record as the tests read it: field by field. */
export type WireRecord = Record<string, any>;

/**
 * Removes the value at a manifest target path (`a.b`, `events[].data.x`) from a copy's nested
 * objects, when `filled` says the run fill set it (a column may have set it instead).
 */
function removeAt(value: any, steps: string[], filled: (v: unknown) => boolean): void {
  if (value === null || typeof value !== "object" || steps.length === 0) return;
  const [step, ...rest] = steps as [string, ...string[]];
  const list = step.endsWith("[]");
  const key = list ? step.slice(0, -2) : step;
  if (rest.length === 0 && !list) {
    if (filled(value[key])) delete value[key];
  } else if (list && Array.isArray(value[key])) for (const item of value[key]) removeAt(item, rest, filled);
  else removeAt(value[key], rest, filled);
}

/** Whether a value is the one a run fill gives in these tests (the Looks' ran_at, or the id). */
const RUN_VALUES: Record<string, (v: unknown) => boolean> = {
  ranAt: (v) => v === RAN_AT,
  ranAtMs: (v) => v === RAN_AT_MS,
  recordId: () => true,
};

/**
 * The id the engine gives a delivered record, worked out from the rule (docs/reliability.md): the
 * connector, the action, the workspace (the emulator's credentials), the run id and the record's
 * content, which is the record without its run fills (times, the id itself). `occurrence` counts
 * identical records before it in the run.
 */
export function expectedId(
  emulators: Emulators,
  connector: Connector,
  record: WireRecord,
  input: { runId?: string; action?: string; options?: Record<string, string>; occurrence?: number } = {},
): string {
  const m = connector.manifest;
  const action = input.action ?? (m.actions.length === 1 ? m.actions[0]!.name : "");
  const options = resolveOptions(m, m.actions.find((a) => a.name === action), input.options ?? {}).values;
  const content = structuredClone(record);
  for (const f of m.fills ?? []) if (f.from?.run !== undefined) removeAt(content, f.target.split("."), RUN_VALUES[f.from.run]!);
  const scope = { connectorId: connector.id, action, workspace: workspaceOf(connector, emulators.credentials(connector.id).settings, options), runId: input.runId ?? "run-1" };
  return recordId(scope, JSON.stringify(content), input.occurrence ?? 0);
}

/** A Looker field as json_detail describes it; `label_short` is what Segment names traits by default. */
export function field(name: string, tags: string[] = [], extra: Partial<LookField> = {}): LookField {
  const short = name.split(".").pop()!.replace(/_/g, " ");
  return { name, label: `${name.split(".")[0]} ${short}`, label_short: short, tags, measure: false, hidden: false, ...extra };
}

export function measure(name: string, tags: string[] = [], extra: Partial<LookField> = {}): LookField {
  return field(name, tags, { measure: true, is_numeric: true, type: "sum", ...extra });
}

export interface LookSpec {
  readonly fields: ReadonlyArray<LookField>;
  /** Plain values by column; each becomes a `{ "value": ... }` cell. */
  readonly rows: ReadonlyArray<Record<string, unknown>> | ((n: number) => Record<string, unknown>);
  readonly count?: number;
  readonly ranAt?: string;
}

/** A json_detail document, in Looker's member order around `fields` and `data`. */
export function lookText(spec: LookSpec): string {
  const dimensions = spec.fields.filter((f) => f.measure !== true);
  const measures = spec.fields.filter((f) => f.measure === true);
  const head = {
    id: "query-1",
    ran_at: spec.ranAt ?? RAN_AT,
    fields: { measures, dimensions, table_calculations: [], pivots: [] },
  };
  const count = typeof spec.rows === "function" ? (spec.count ?? 0) : spec.rows.length;
  const rowAt = typeof spec.rows === "function" ? spec.rows : (i: number) => (spec.rows as ReadonlyArray<Record<string, unknown>>)[i]!;
  const rows: string[] = [];
  for (let i = 0; i < count; i++) {
    const cells: Record<string, { value: unknown }> = {};
    for (const [k, v] of Object.entries(rowAt(i))) cells[k] = { value: v };
    rows.push(JSON.stringify(cells));
  }
  return `${JSON.stringify(head).slice(0, -1)},"data":[\n${rows.join(",\n")}\n],"has_totals":false}`;
}

/** One HTTP attempt as the engine made it. */
export interface SentRequest {
  readonly url: string;
  readonly body: string;
  readonly bytes: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Status of the answer; undefined when the connection failed (dropped, timed out). */
  readonly status: number | undefined;
  readonly startedAt: number;
}

export interface RecordingTransport extends Transport {
  readonly requests: SentRequest[];
}

/**
 * A transport that forwards to a real one (got, keep-alive) and keeps every attempt;
 * `afterAttempt` runs once each answer is in, e.g. to change the emulator's faults.
 */
export function recordingTransport(
  inner: Transport = createTransport(),
  afterAttempt?: (request: SentRequest, index: number) => void,
): RecordingTransport {
  const requests: SentRequest[] = [];
  return {
    requests,
    async post(url, body, headers) {
      const startedAt = performance.now();
      const result: AttemptResult = await inner.post(url, body, headers);
      const request = { url, body: String(body), bytes: Buffer.byteLength(body), headers, status: result.kind === "response" ? result.status : undefined, startedAt };
      requests.push(request);
      afterAttempt?.(request, requests.length - 1);
      return result;
    },
    close: () => inner.close(),
  };
}

/** The records of one request body, whatever the envelope (`itemsKey` of an object body: Segment's `batch` unless given). */
export function recordsOf(request: SentRequest, itemsKey = "batch"): WireRecord[] {
  const parsed = JSON.parse(request.body) as unknown;
  return Array.isArray(parsed) ? (parsed as WireRecord[]) : ((parsed as Record<string, WireRecord[]>)[itemsKey]!);
}

export interface EmulatorsSetup {
  /** Passed to startEmulators, after `port: 0`. */
  readonly start?: EmulatorOptions;
  /** Connectors whose faults are cleared before each test: reset() keeps fault configurations. */
  readonly clearFaults?: ReadonlyArray<string>;
}

export interface EmulatorsContext {
  readonly emulators: Emulators;
  /** A fresh recording transport for each test; a test may replace it. */
  transport: RecordingTransport;
}

/** One emulator server for the file, reset before each test. */
export function useEmulators(setup: EmulatorsSetup = {}): EmulatorsContext {
  let emulators: Emulators;
  let transport: RecordingTransport | undefined;
  beforeAll(async () => {
    emulators = await startEmulators({ port: 0, ...setup.start });
    engines.set(emulators, ManagedRuntime.make(engineLayer()));
  });
  afterAll(async () => {
    await engines.get(emulators)?.dispose();
    await emulators.close();
  });
  beforeEach(() => {
    emulators.reset();
    for (const id of setup.clearFaults ?? []) emulators.setFaults(id, {});
    transport = undefined;
  });
  return {
    get emulators() {
      return emulators;
    },
    // Made on first use, so files that never send through it open no connection pool.
    get transport() {
      return (transport ??= recordingTransport());
    },
    set transport(replacement) {
      transport = replacement;
    },
  };
}

export type RunError = PlanRejected | SettingsError | SourceError | StoreError | SyncBusy;

/**
 * The engine services of the tests of each `useEmulators`: runs at once share them (rate budgets,
 * worker threads, sockets), as a server's executes do.
 */
const engines = new WeakMap<Emulators, ManagedRuntime.ManagedRuntime<RunServices, never>>();

function onEngine<A, E>(emulators: Emulators, run: Effect.Effect<A, E, RunServices>): Promise<A> {
  const engine = engines.get(emulators);
  return engine !== undefined ? engine.runPromise(run) : Effect.runPromise(run.pipe(Effect.provide(engineLayer())));
}

/** Runs a Look (text or byte source) through the engine into the emulators and returns the report; with `store`, the run keeps its state and history there. */
export function deliver(emulators: Emulators, connector: Connector, look: string | LookSource, input: Partial<RunInput> = {}, store?: SyncStore): Promise<RunReport> {
  const run = runLook(runInput(emulators, connector, look, input));
  return onEngine(emulators, store === undefined ? run : Effect.provideService(run, SyncStoreService, store));
}

/** Runs a Look that must fail before sending anything; returns the error. */
export function deliverFailure(emulators: Emulators, connector: Connector, look: string | LookSource, input: Partial<RunInput> = {}, store?: SyncStore): Promise<RunError> {
  const run = Effect.flip(runLook(runInput(emulators, connector, look, input)));
  return onEngine(emulators, store === undefined ? run : Effect.provideService(run, SyncStoreService, store));
}

function runInput(emulators: Emulators, connector: Connector, look: string | LookSource, input: Partial<RunInput>): RunInput {
  return {
    connector,
    look: readLook(typeof look === "string" ? lookSourceFromString(look) : look),
    settings: emulators.credentials(connector.id).settings,
    env: { [baseUrlVariable(connector.id)]: emulators.url },
    retry: FAST_RETRY,
    runId: "run-1",
    // These tests push thousands of rows into the local emulators on purpose; pacing has its own tests.
    rateLimit: "off",
    ...input,
  };
}

/** The report's own invariant, and the figures every run must show. */
export function expectAddsUp(report: RunReport): void {
  const { read, delivered, rejected, failed } = report.rows;
  if (delivered + rejected + failed !== read) {
    throw new Error(`report does not add up: ${delivered} delivered + ${rejected} rejected + ${failed} failed != ${read} read`);
  }
  const failedInGroups = report.failed.reduce((n, g) => n + g.count, 0);
  const rejectedInGroups = report.rejected.reduce((n, g) => n + g.count, 0);
  if (failedInGroups !== failed || rejectedInGroups !== rejected) {
    throw new Error(`groups do not add up: failed ${failedInGroups} vs ${failed}, rejected ${rejectedInGroups} vs ${rejected}`);
  }
}

/** Dedup ids of the records an emulator accepted, checking none appears twice. */
export function uniqueIds(records: ReadonlyArray<unknown>, field: string): Set<string> {
  const ids = new Set<string>();
  for (const r of records) {
    const id = String((r as WireRecord)[field]);
    if (ids.has(id)) throw new Error(`record id ${id} was accepted twice`);
    ids.add(id);
  }
  return ids;
}

export const repeat = (char: string, length: number) => char.repeat(length);
