import { Readable } from "node:stream";
import { parse, CsvError } from "csv-parse";
import { closest, LookFormatError, type LookEvent, type LookField, type LookRow } from "@tagwire/engine";

/** Rows per `rows` event: large enough that the per-event cost vanishes, small enough to stream. */
const ROWS_PER_EVENT = 1000;

/**
 * A CSV export as the engine's Look events: the header row names the fields (name and label alike),
 * `tags` attaches LookML tags by column name, empty cells are null. Throws LookFormatError for
 * input that is not a usable CSV (no header, blank or repeated column names, ragged rows).
 */
export async function* readCsv(
  source: AsyncIterable<Uint8Array | string>,
  tags: ReadonlyArray<readonly [string, string]> = [],
): AsyncGenerator<LookEvent, void, undefined> {
  const parser = parse({ bom: true, skip_empty_lines: true });
  const input = Readable.from(source);
  // pipe() does not forward a failing source (e.g. stdin closed with an error) to the parser.
  input.once("error", (e) => parser.destroy(e));
  input.pipe(parser);
  const records = parser[Symbol.asyncIterator]() as AsyncIterator<string[]>;
  try {
    const first = await next(records);
    if (first === undefined || first.every((h) => h.trim() === "")) throw new LookFormatError("CSV has no header row");
    const columns = headerColumns(first);
    yield { kind: "header", header: { fields: { dimensions: fieldsOf(columns, tags), measures: [], table_calculations: [], pivots: [] } } };

    let rows: LookRow[] = [];
    for (let record = await next(records); record !== undefined; record = await next(records)) {
      const row: LookRow = {};
      columns.forEach((name, i) => {
        const cell = record[i];
        row[name] = { value: cell === undefined || cell === "" ? null : cell };
      });
      rows.push(row);
      if (rows.length >= ROWS_PER_EVENT) {
        yield { kind: "rows", rows };
        rows = [];
      }
    }
    if (rows.length > 0) yield { kind: "rows", rows };
  } finally {
    input.destroy();
    parser.destroy();
  }
}

async function next(records: AsyncIterator<string[]>): Promise<string[] | undefined> {
  try {
    const r = await records.next();
    return r.done === true ? undefined : r.value;
  } catch (e) {
    // csv-parse's messages name the line; they become the same error type as a malformed json_detail.
    if (e instanceof CsvError) throw new LookFormatError(`CSV ${e.message.replace(/^Invalid Record Length: /, "row has the wrong number of columns: ")}`);
    throw e;
  }
}

function headerColumns(header: string[]): string[] {
  const seen = new Set<string>();
  return header.map((raw, i) => {
    const name = raw.trim();
    if (name === "") throw new LookFormatError(`CSV header has no name for column ${i + 1}`);
    if (seen.has(name)) throw new LookFormatError(`CSV header names column \`${name}\` twice`);
    seen.add(name);
    return name;
  });
}

function fieldsOf(columns: string[], tags: ReadonlyArray<readonly [string, string]>): LookField[] {
  const byColumn = new Map<string, string[]>();
  for (const [column, tag] of tags) {
    if (!columns.includes(column)) {
      const guess = closest(column, columns);
      throw new LookFormatError(`--tag names column \`${column}\`, which the CSV header does not have.${guess ? ` Did you mean \`${guess}\`?` : ""} Columns: ${columns.join(", ")}.`);
    }
    const list = byColumn.get(column) ?? [];
    if (!list.includes(tag)) list.push(tag);
    byColumn.set(column, list);
  }
  return columns.map((name) => ({ name, label: name, label_short: name, tags: byColumn.get(name) ?? [] }));
}
