// Generates realistic Looker json_detail documents of any size, deterministically from a seed,
// without holding the document in memory. Used by the benchmarks and by large-input tests.

import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { Readable } from "node:stream";

/**
 * @typedef {object} SyntheticLookOptions
 * @property {number} rows        number of data rows
 * @property {"user" | "event"} mode  which tag set the fields carry
 * @property {number} seed        same seed, same bytes
 * @property {string} [path]      write here; without it a Readable is returned
 * @property {boolean} [pivot]    add a pivot dimension and a pivoted measure
 */

/**
 * @typedef {object} SyntheticLookFile
 * @property {string} path
 * @property {number} bytes
 * @property {number} rows
 */

/**
 * Streams a json_detail document to `path` (resolving to its size) or, without a path,
 * returns a Readable of its UTF-8 text.
 * @overload
 * @param {SyntheticLookOptions & { path: string }} options
 * @returns {Promise<SyntheticLookFile>}
 */
/**
 * @overload
 * @param {SyntheticLookOptions & { path?: undefined }} options
 * @returns {Readable}
 */
/**
 * @param {SyntheticLookOptions} options
 * @returns {Promise<SyntheticLookFile> | Readable}
 */
export function writeSyntheticLook(options) {
  const chunks = syntheticLookChunks(options);
  if (options.path === undefined) return Readable.from(chunks, { objectMode: false });
  return writeChunks(options.path, chunks, options.rows);
}

/**
 * @param {string} path
 * @param {Iterable<string>} chunks
 * @param {number} rows
 * @returns {Promise<SyntheticLookFile>}
 */
async function writeChunks(path, chunks, rows) {
  const out = createWriteStream(path);
  let bytes = 0;
  for (const chunk of chunks) {
    bytes += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
  return { path, bytes, rows };
}

/**
 * The document as a sequence of strings of roughly 64 KiB each.
 * @param {SyntheticLookOptions} options
 * @returns {Generator<string, void, undefined>}
 */
export function* syntheticLookChunks({ rows, mode, seed, pivot = false }) {
  const random = mulberry32(seed);
  const columns = mode === "event" ? eventColumns(pivot) : userColumns(pivot);
  yield headerText(columns, pivot, random);
  let buffer = "";
  for (let r = 0; r < rows; r++) {
    buffer += (r === 0 ? "\n" : ",\n") + rowText(columns, r, random);
    if (buffer.length >= 64 * 1024) {
      yield buffer;
      buffer = "";
    }
  }
  yield buffer + "\n" + trailerText();
}

// ---------------------------------------------------------------------------------------------
// Columns: a field definition plus a function producing the cell for row r.

/**
 * @typedef {object} Column
 * @property {"dimensions" | "measures" | "table_calculations"} kind
 * @property {Record<string, unknown>} field
 * @property {(r: number, random: () => number) => unknown} cell
 * @property {boolean} [pivoted]
 */

const FIRST_NAMES = ["Ana", "Bo", "Chidi", "Dana", "Émile", "Farah", "Gus", "Hana", "Ivan", "Jun", "Kofi", "Lena", "Zoë", "Søren"];
const CITIES = ["Lisbon", "Austin", "Lagos", "Osaka", "Zürich", "São Paulo", "Kraków", "Montréal", "Reykjavík", "Denver"];
const COUNTRIES = ["Portugal", "United States", "Nigeria", "日本", "Schweiz", "Brasil", "Polska", "Canada", "Ísland", "Côte d’Ivoire"];
const PLANS = ["free", "starter", "pro", "enterprise"];
const EVENTS = ["Order Completed", "Product Viewed", "Signed Up", "Cart Abandoned", "Subscription Renewed"];
const EVENT_TYPES = ["transaction", "navigation", "other", "user_preference"];
const STATUSES = ["complete", "pending", "cancelled"];

/** @param {() => number} random @param {readonly string[]} list */
const pick = (random, list) => list[Math.floor(random() * list.length)];

/** @param {number} r */
const uuidFor = (r) => {
  const hex = (r * 2654435761 >>> 0).toString(16).padStart(8, "0");
  return `${hex}-4${hex.slice(1, 4)}-8${hex.slice(4, 7)}-${hex}${hex.slice(0, 4)}`;
};

/** @param {number} r @param {() => number} random */
function longText(r, random) {
  if (random() < 0.99) return `Since ${2015 + (r % 9)}`;
  // Occasional long notes with quotes, backslashes, brackets and emoji, as free-text columns have.
  return `Notes for #${r}: prefers "express" shipping; path C:\\orders\\${r} [legacy] {vip: ${r % 2 === 0}} — ${"lorem ipsum ".repeat(4 + (r % 8))}🙂`;
}

/**
 * @param {string} name @param {string} label @param {string[]} tags
 * @param {{ measure?: boolean, numeric?: boolean, type?: string, hidden?: boolean }} [opts]
 */
function field(name, label, tags, opts = {}) {
  const view = name.split(".")[0];
  return {
    name,
    label: `${view[0].toUpperCase()}${view.slice(1)} ${label}`,
    label_short: label,
    view,
    view_label: `${view[0].toUpperCase()}${view.slice(1)}`,
    type: opts.type ?? (opts.measure ? "count" : "string"),
    measure: opts.measure ?? false,
    is_numeric: opts.numeric ?? false,
    hidden: opts.hidden ?? false,
    tags,
    sortable: true,
    can_filter: true,
    sql: `\${TABLE}.${name.split(".")[1]}`,
  };
}

/** @param {boolean} pivot @returns {Column[]} */
function userColumns(pivot) {
  return [
    { kind: "dimensions", field: field("users.id", "ID", ["mp_customer_id", "user_id"], { numeric: true, type: "number" }), cell: (r) => ({ value: 100000 + r }) },
    { kind: "dimensions", field: field("users.email", "Email", ["mp_email", "email"]), cell: (r, rnd) => ({ value: `${pick(rnd, FIRST_NAMES).toLowerCase()}.${r}@example.com` }) },
    { kind: "dimensions", field: field("users.anon_id", "Anonymous ID", ["segment_anonymous_id"]), cell: (r) => ({ value: uuidFor(r) }) },
    { kind: "dimensions", field: field("users.first_name", "First Name", ["mp_user_attribute"]), cell: (r, rnd) => ({ value: rnd() < 0.05 ? null : pick(rnd, FIRST_NAMES) }) },
    { kind: "dimensions", field: field("users.city", "City", []), cell: (r, rnd) => ({ value: pick(rnd, CITIES) }) },
    { kind: "dimensions", field: field("users.country", "Country", []), cell: (r, rnd) => ({ value: rnd() < 0.08 ? null : pick(rnd, COUNTRIES) }) },
    { kind: "dimensions", field: field("users.created", "Created Date", [], { type: "date_date" }), cell: (r) => ({ value: `20${String(15 + (r % 9))}-0${1 + (r % 9)}-1${r % 10}` }) },
    { kind: "dimensions", field: field("users.plan", "Plan", ["mp_user_attribute"]), cell: (r, rnd) => ({ value: rnd() < 0.1 ? null : pick(rnd, PLANS) }) },
    { kind: "dimensions", field: field("users.notes", "Notes", [], { hidden: true }), cell: (r, rnd) => ({ value: longText(r, rnd) }) },
    measureColumn(pivot),
    { kind: "measures", field: field("orders.revenue", "Revenue", ["mp_user_attribute"], { measure: true, numeric: true, type: "sum" }), cell: (r, rnd) => revenueCell(rnd) },
    { kind: "table_calculations", field: { name: "value_tier", label: "Value Tier", type: "string", is_numeric: false, measure: true, tags: [] }, cell: (r) => ({ value: r % 3 === 0 ? "high" : "standard" }) },
  ];
}

/** @param {boolean} pivot @returns {Column[]} */
function eventColumns(pivot) {
  return [
    { kind: "dimensions", field: field("users.id", "ID", ["mp_customer_id", "user_id"], { numeric: true, type: "number" }), cell: (r) => ({ value: 100000 + (r % 5000) }) },
    { kind: "dimensions", field: field("users.email", "Email", ["mp_email", "email"]), cell: (r, rnd) => ({ value: `${pick(rnd, FIRST_NAMES).toLowerCase()}.${r % 5000}@example.com` }) },
    { kind: "dimensions", field: field("users.anon_id", "Anonymous ID", ["segment_anonymous_id"]), cell: (r) => ({ value: uuidFor(r % 5000) }) },
    { kind: "dimensions", field: field("events.name", "Name", ["mp_event_name"]), cell: (r, rnd) => ({ value: pick(rnd, EVENTS) }) },
    { kind: "dimensions", field: field("events.type", "Type", ["mp_custom_event_type"]), cell: (r, rnd) => ({ value: pick(rnd, EVENT_TYPES) }) },
    { kind: "dimensions", field: field("events.created_time", "Created Time", [], { type: "date_time" }), cell: (r) => ({ value: new Date(Date.UTC(2024, 0, 1) + r * 61_000).toISOString().slice(0, 19).replace("T", " ") }) },
    { kind: "dimensions", field: field("events.sku", "SKU", ["mp_custom_attribute"]), cell: (r, rnd) => ({ value: rnd() < 0.15 ? null : `SKU-${(r * 7919) % 100000}` }) },
    { kind: "dimensions", field: field("events.page_url", "Page URL", ["mp_custom_attribute"]), cell: (r, rnd) => ({ value: `/p/${r % 977}?ref=${pick(rnd, ["email", "ads", "direct"])}`, ...(rnd() < 0.1 ? { html: `<a href="/p/${r % 977}">view</a>` } : {}) }) },
    { kind: "dimensions", field: field("users.city", "City", ["mp_user_attribute"]), cell: (r, rnd) => ({ value: pick(rnd, CITIES) }) },
    { kind: "dimensions", field: field("users.country", "Country", []), cell: (r, rnd) => ({ value: rnd() < 0.08 ? null : pick(rnd, COUNTRIES) }) },
    measureColumn(pivot),
    { kind: "measures", field: field("events.revenue", "Revenue", ["mp_custom_attribute"], { measure: true, numeric: true, type: "sum" }), cell: (r, rnd) => revenueCell(rnd) },
  ];
}

/** @param {() => number} rnd */
function revenueCell(rnd) {
  if (rnd() < 0.05) return { value: null, rendered: "∅" };
  const value = Math.round(rnd() * 500000) / 100;
  // Looker sends `rendered` only when formatting changes the text.
  if (value < 1000) return { value };
  return { value, rendered: `$${value.toLocaleString("en-US", { minimumFractionDigits: 2 })}` };
}

/** The count measure; pivoted by order status when `pivot` is set. @param {boolean} pivot @returns {Column} */
function measureColumn(pivot) {
  const countCell = (/** @type {() => number} */ rnd) => {
    const value = Math.floor(rnd() * 40);
    // Drill links only on some rows, so rows stay near Looker's typical ~400 bytes.
    if (rnd() < 0.95) return { value };
    return { value, links: [{ label: "Show All", url: `/explore/shop/orders?count=${value}`, type: "measure_default" }] };
  };
  return {
    kind: "measures",
    pivoted: pivot,
    field: field("orders.count", "Count", [], { measure: true, numeric: true }),
    cell: (r, rnd) =>
      pivot ? Object.fromEntries(STATUSES.map((s) => [s, countCell(rnd)])) : countCell(rnd),
  };
}

// ---------------------------------------------------------------------------------------------
// Document text.

/** @param {Column[]} columns @param {boolean} pivot @param {() => number} random */
function headerText(columns, pivot, random) {
  /** @type {Record<string, unknown[]>} */
  const fields = { measures: [], dimensions: [], table_calculations: [], pivots: [] };
  for (const c of columns) fields[c.kind].push(c.field);
  if (pivot) fields.pivots.push(field("orders.status", "Status", []));
  const names = columns.map((c) => c.field.name);
  // The SQL text carries brackets, quotes and the word "data" on purpose: scanners must skip it.
  const sql =
    `SELECT\n    ${names.map((n) => `"${n.replace(".", '"."')}" AS "${n}"`).join(",\n    ")}\n` +
    `FROM analytics.users AS users\nLEFT JOIN analytics.orders AS orders ON users.id = orders.user_id\n` +
    `WHERE (users.meta ->> 'data') IS NOT NULL AND users.tags @> ARRAY['[vip]', '{beta}']\n` +
    `  AND users.note NOT LIKE '%\\"data\\": [%'\nGROUP BY ${names.map((_, i) => i + 1).join(",")}\nORDER BY 1\nLIMIT ${Math.floor(random() * 1e6)}\n`;
  const head = {
    id: `query-${Math.floor(random() * 1e9)}`,
    status: "complete",
    from_cache: false,
    force_production: true,
    ran_at: new Date(Date.UTC(2025, 5, 1, 12, 0, 0) + Math.floor(random() * 1e9)).toISOString(),
    runtime: "2.481",
    sql,
    sql_explain: null,
    fields,
    fill_fields: [],
    has_totals: false,
    has_row_totals: false,
    applied_filters: { "users.created": { field: { name: "users.created" }, value: "after 2015/01/01" } },
    applied_sorts: { "users.id": { desc: false, sort_index: 0 } },
    number_format: null,
    pivots: pivot
      ? STATUSES.map((s) => ({ key: s, is_total: false, data: { "orders.status": s }, sort_values: {}, labels: { "orders.status": s } }))
      : [],
    expired: false,
  };
  const text = JSON.stringify(head);
  return `${text.slice(0, -1)},"data":[`;
}

function trailerText() {
  return `],"drill_menu_build_time":0.214,"has_subtotals":false,"null_sort_treatment":"low","columns_truncated":false,"timezone":"UTC","supports_pivot_in_db":true}\n`;
}

/** @param {Column[]} columns @param {number} r @param {() => number} random */
function rowText(columns, r, random) {
  /** @type {Record<string, unknown>} */
  const row = {};
  for (const c of columns) row[c.field.name] = c.cell(r, random);
  return JSON.stringify(row);
}

/** Small, fast, seedable PRNG (deterministic across runs and platforms). @param {number} seed */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
