import { JsonDetailParser, type JsonDetailParserOptions } from "../../src/look/json-detail-parser.js";
import type { LookFields, LookRow } from "../../src/look/types.js";
import type { RawRows } from "../../src/look/raw-rows.js";

export const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

export const sampleFields: LookFields = {
  dimensions: [
    { name: "users.email", label: "Users Email", label_short: "Email", tags: ["mp_email", "email"], type: "string", view: "users" },
    { name: "users.city", label: "Users City", label_short: "City", tags: [], type: "string", view: "users", hidden: false },
  ],
  measures: [{ name: "orders.count", label: "Orders Count", tags: [], measure: true, is_numeric: true, type: "count", view: "orders" }],
  table_calculations: [{ name: "tier", label: "Tier", is_numeric: false }],
  pivots: [{ name: "orders.status", label: "Orders Status", tags: [] }],
};

/** Rows with the content that trips naive scanners: escapes, multi-byte UTF-8, brackets in strings, pivots. */
export const sampleRows: LookRow[] = [
  {
    "users.email": { value: 'quote"d@example.com', rendered: "back\\slash \\\" end\\" },
    "users.city": { value: "Zürich é 日本 🙂", html: "<b>{[]}</b>" },
    "orders.count": { complete: { value: 3, links: [{ url: "/x?a=[1]" }] }, pending: { value: null } },
    tier: { value: "\u00e9\u0000\n\t\u2028" },
  },
  {
    "users.email": { value: null },
    "users.city": { value: "São Paulo ,]}\"data\":[" },
    "orders.count": { complete: { value: -1.5e-7 }, pending: { value: true } },
    tier: { value: [1, [2, [3, {}]], { a: { b: [] } }] },
  },
  { "users.email": { value: "" }, "users.city": { value: "\\" }, "orders.count": { complete: { value: 0 } }, tier: { value: false } },
];

export type Member = [key: string, valueJson: string];

/** A json_detail document from members given as raw JSON text, in the given order. */
export function documentOf(members: Member[], separator = ""): string {
  return `{${members.map(([k, v]) => `${separator}${JSON.stringify(k)}:${v}`).join(",")}${separator}}`;
}

/** Members shaped like Looker's output, with hand-escaped text so the document exercises escapes in every form. */
export function lookerLikeMembers(rows: LookRow[] = sampleRows, fields: LookFields = sampleFields): Member[] {
  return [
    ["status", '"complete"'],
    ["ran_at", '"2025-06-01T12:00:00+00:00"'],
    ["sql", JSON.stringify('SELECT "data" FROM t WHERE x IN ([1], {2}) -- "data": [ \\"') ],
    ["id", "12345"],
    ["nested", '{"data":[[1,2,{"data":"]"}],[]],"x":{"y":["}","{"]}, "n": null, "t": true, "f": false, "e": 1.5E+3}'],
    ["fields", JSON.stringify(fields)],
    ["pivots", '[{"key":"complete","data":{"orders.status":"complete"}}]'],
    ["data", `[\n${rows.map((r) => JSON.stringify(r)).join(",\n")}\n]`],
    ["has_totals", "false"],
    ["unicode_\u00e9", '"\\u00e9\\ud83d\\ude42"'],
  ];
}

/** Feeds `bytes` split at the given sizes (cycling) and returns all rows plus the parser. */
export function parseInChunks(bytes: Uint8Array, sizes: number[], options?: JsonDetailParserOptions): { rows: LookRow[]; parser: JsonDetailParser } {
  const parser = new JsonDetailParser(options);
  const rows: LookRow[] = [];
  let at = 0;
  for (let k = 0; at < bytes.length; k++) {
    const size = Math.max(1, sizes[k % sizes.length]!);
    for (const row of parser.push(bytes.subarray(at, at + size))) rows.push(row);
    at += size;
  }
  for (const row of parser.end()) rows.push(row);
  return { rows, parser };
}

/** Feeds `input` to `parser` in chunks of `size` and returns the chunks of raw rows it gave, in order, the end's included. */
export function rawChunksOf(parser: JsonDetailParser, input: Uint8Array | string, size: number): RawRows[] {
  const chunks: RawRows[] = [];
  for (let at = 0; at < input.length; at += size) {
    const raw = parser.pushRaw(input instanceof Uint8Array ? input.subarray(at, at + size) : input.slice(at, at + size));
    if (raw !== undefined) chunks.push(raw);
  }
  const last = parser.endRaw();
  if (last !== undefined) chunks.push(last);
  return chunks;
}

/** Feeds `bytes` as two chunks split at `at`. */
export function parseSplitAt(bytes: Uint8Array, at: number): LookRow[] {
  const parser = new JsonDetailParser();
  const rows = [...parser.push(bytes.subarray(0, at)), ...parser.push(bytes.subarray(at))];
  return [...rows, ...parser.end()];
}

/** Runs `fn` and returns the error it throws (fails the test if it does not throw). */
export function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error, none was thrown");
}
