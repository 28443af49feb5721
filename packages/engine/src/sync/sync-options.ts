// The two choices a sync's sender makes on every send, beside the connector's own options: which
// rows go (`rows`) and what becomes of rows that left the Look (`removed`). Declared once here as
// data, for the Looker form and the command line alike.

import type { RowsToSend } from "./change-filter.js";
import type { RemovedRows } from "./sync-run.js";

export interface SyncOption {
  readonly name: "rows" | "removed";
  readonly label: string;
  readonly description: string;
  readonly choices: ReadonlyArray<{ readonly value: string; readonly label: string }>;
  readonly default: string;
}

export const SYNC_OPTIONS: ReadonlyArray<SyncOption> = [
  {
    name: "rows",
    label: "Rows to send",
    description: "Changed: only rows that are new or changed since this schedule's last delivered run. All: every row, as a first run does.",
    choices: [
      { value: "changed", label: "Changed rows" },
      { value: "all", label: "All rows" },
    ],
    default: "changed",
  },
  {
    name: "removed",
    label: "Rows that left the Look",
    description: "Ignore: they are counted, and sent as new if they come back. Clear: the destination is told to remove what their rows had set.",
    choices: [
      { value: "ignore", label: "Ignore" },
      { value: "clear", label: "Clear" },
    ],
    default: "ignore",
  },
];

export interface SyncChoices {
  readonly rows: RowsToSend;
  readonly removed: RemovedRows;
}

/**
 * Takes `rows` and `removed` out of a send's parameters: the connector's options are the rest.
 * A value that is not a choice is a problem, by field name.
 */
export function splitSyncOptions(params: Readonly<Record<string, string | undefined>>): { options: Record<string, string | undefined>; choices: SyncChoices; problems: Record<string, string> } {
  const options: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(params)) {
    // Own properties, whatever the name (see parseExecuteRequest).
    if (k !== "rows" && k !== "removed") Object.defineProperty(options, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  const problems: Record<string, string> = {};
  const pick = (o: SyncOption): string => {
    const given = params[o.name];
    if (given === undefined || given === "") return o.default;
    if (o.choices.some((c) => c.value === given)) return given;
    problems[o.name] = `\`${given}\` is not a choice of ${o.name} (${o.choices.map((c) => c.value).join(", ")})`;
    return o.default;
  };
  const [rows, removed] = SYNC_OPTIONS.map(pick);
  return { options, choices: { rows: rows as RowsToSend, removed: removed as RemovedRows }, problems };
}
