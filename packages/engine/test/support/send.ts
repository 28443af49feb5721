import { expect } from "vitest";
import {
  findConnector,
  loadConnectors,
  plan,
  Rejection,
  transformRow,
  type Diagnostic,
  type LookRow,
  type Plan,
  type PlanInput,
  type RowWarning,
  type RunContext,
  type Connector,
  type RecordIds,
} from "../../src/index.js";
import { run as defaultRun } from "./look-builder.js";

const connectors = loadConnectors();
export const mparticle: Connector = findConnector(connectors, "mparticle");
export const segment: Connector = findConnector(connectors, "segment");
export const braze: Connector = findConnector(connectors, "braze");
export const amplitude: Connector = findConnector(connectors, "amplitude");

/** A record as the tests read it: field by field, without a type for every wire format. */
export type WireRecord = Record<string, any>;

export interface RowOptions {
  readonly rowNumber?: number;
  readonly run?: RunContext;
  /** The run's record ids, shared by the rows of one run (identical rows then get distinct ids). */
  readonly ids?: RecordIds;
}

/** Plans a Look and fails the test on any error diagnostic. */
export function planOk(connector: Connector, input: PlanInput): Plan {
  const p = plan(connector, input);
  expect(errors(p), "the plan has no errors").toEqual([]);
  expect(p.ok).toBe(true);
  return p;
}

export function errors(p: Plan): Diagnostic[] {
  return p.diagnostics.filter((d) => d.severity === "error");
}

/** Diagnostics of one code, optionally about one column. */
export function diagnostics(p: Plan, code: string, column?: string): Diagnostic[] {
  return p.diagnostics.filter((d) => d.code === code && (column === undefined || d.column === column));
}

/** Transforms a row that must be sent; every record sent must also pass the connector's wire schema. */
export function send(p: Plan, r: LookRow, options: RowOptions = {}): { record: WireRecord; warnings: RowWarning[] } {
  const warnings: RowWarning[] = [];
  const out = transformRow(p.program, r, options.rowNumber ?? 1, options.run ?? defaultRun, warnings, options.ids);
  if (out instanceof Rejection) throw new Error(`row was rejected: ${out.reason}: ${out.detail}`);
  expect(p.connector.validateRecord(out), "record conforms to the wire schema").toBeUndefined();
  return { record: out as WireRecord, warnings };
}

/** Transforms a row that must be rejected. */
export function rejected(p: Plan, r: LookRow, options: RowOptions = {}): Rejection {
  const out = transformRow(p.program, r, options.rowNumber ?? 1, options.run ?? defaultRun, [], options.ids);
  expect(out, "row is rejected").toBeInstanceOf(Rejection);
  return out as Rejection;
}

/** Where a plan sends a column (`undefined` when the column is not sent). */
export function targetOf(p: Plan, column: string): string | undefined {
  const c = p.columns.find((x) => x.column === column);
  expect(c, `column ${column} is planned`).toBeDefined();
  return c!.status === "mapped" ? c!.target : undefined;
}

/** Every string in a record, for "this value is never sent" checks. */
export function allValues(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flatMap(allValues);
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(allValues);
  return [value];
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
