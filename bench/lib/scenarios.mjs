// The benchmark scenarios: which action, with which form parameters, on which kind of Look.

/**
 * @typedef {object} Scenario
 * @property {string} id              name used on the command line and in results.json
 * @property {string} connector       connector id (emulator state key, credentials)
 * @property {string} action          Looker action name (`/actions/<action>/execute`)
 * @property {Record<string, string>} formParams  what Looker sends as `form_params`
 * @property {"user" | "event"} mode  which synthetic Look the scenario reads
 */

/** @type {ReadonlyArray<Scenario>} */
export const SCENARIOS = [
  {
    id: "mparticle-event",
    connector: "mparticle",
    action: "mparticle",
    formParams: { data_type: "event_data", environment: "development" },
    mode: "event",
  },
  {
    id: "mparticle-user",
    connector: "mparticle",
    action: "mparticle",
    formParams: { data_type: "user_data", environment: "development" },
    mode: "user",
  },
  {
    id: "segment-identify",
    connector: "segment",
    action: "segment_event",
    formParams: { region: "US", trait_names: "label" },
    mode: "user",
  },
];

/** Row counts of a full run and of `--quick`. */
export const DEFAULT_ROWS = [10_000, 100_000, 1_000_000];
export const QUICK_ROWS = [10_000, 100_000];

/**
 * @param {string | undefined} list  comma-separated scenario ids, or undefined for all
 * @returns {Scenario[]}
 */
export function selectScenarios(list) {
  if (list === undefined || list.trim() === "") return [...SCENARIOS];
  const wanted = list.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const unknown = wanted.filter((id) => !SCENARIOS.some((s) => s.id === id));
  if (unknown.length > 0) {
    throw new Error(`unknown scenario ${unknown.join(", ")}; choose from ${SCENARIOS.map((s) => s.id).join(", ")}`);
  }
  return SCENARIOS.filter((s) => wanted.includes(s.id));
}

/**
 * @param {string | undefined} list  comma-separated row counts (`10000,1e5` and `100k`, `1m` work)
 * @param {boolean} quick
 * @returns {number[]}
 */
export function selectRows(list, quick) {
  if (list === undefined || list.trim() === "") return quick ? [...QUICK_ROWS] : [...DEFAULT_ROWS];
  return list.split(",").map((raw) => {
    const text = raw.trim().toLowerCase();
    const m = /^(\d+(?:\.\d+)?(?:e\d+)?)([km]?)$/.exec(text);
    const n = m === null ? NaN : Number(m[1]) * (m[2] === "k" ? 1e3 : m[2] === "m" ? 1e6 : 1);
    if (!Number.isInteger(n) || n <= 0 || n > 50_000_000) throw new Error(`--rows: "${raw}" is not a row count between 1 and 50,000,000`);
    return n;
  });
}
