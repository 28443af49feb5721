// Percentiles estimated from a Prometheus histogram, the way PromQL's histogram_quantile does it:
// find the bucket holding the rank, interpolate linearly inside it. Used as a cross-check of the
// latencies the server child observes (and as the fallback when it cannot observe them).

/**
 * @typedef {object} HistogramEstimate
 * @property {number} count   observations
 * @property {number} sumMs   sum of observations, ms
 * @property {number | null} p50  ms
 * @property {number | null} p99  ms
 * @property {number[]} bucketsMs  upper bounds, ms (for reading the resolution)
 */

/**
 * Reads `<name>_bucket{...,le="x"} n` lines for one label set (`connector`), in seconds, and
 * estimates p50 and p99 in milliseconds.
 * @param {string} text     the /metrics exposition text
 * @param {string} name     histogram name, e.g. tagwire_destination_request_seconds
 * @param {string} [connector]  only series with this `connector` label (default: all, summed)
 * @returns {HistogramEstimate | null}  null when the histogram is absent or empty
 */
export function estimateFromHistogram(text, name, connector) {
  /** @type {Map<number, number>} upper bound (s) -> cumulative count */
  const buckets = new Map();
  let sum = 0;
  let count = 0;
  const matchesConnector = (/** @type {string} */ labels) => connector === undefined || labels.includes(`connector="${connector}"`);
  for (const line of text.split("\n")) {
    if (line.startsWith(`${name}_bucket{`)) {
      const m = /^\S+_bucket\{(.*)\}\s+(\S+)$/.exec(line);
      if (m === null || !matchesConnector(m[1])) continue;
      const le = /le="([^"]+)"/.exec(m[1])?.[1];
      if (le === undefined) continue;
      const bound = le === "+Inf" ? Infinity : Number(le);
      buckets.set(bound, (buckets.get(bound) ?? 0) + Number(m[2]));
    } else if (line.startsWith(`${name}_sum`) || line.startsWith(`${name}_count`)) {
      const m = /^(\S+?)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
      if (m === null || !matchesConnector(m[2] ?? "")) continue;
      if (m[1].endsWith("_sum")) sum += Number(m[3]);
      else count += Number(m[3]);
    }
  }
  if (buckets.size === 0 || count === 0) return null;
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  /** @param {number} q */
  const quantile = (q) => {
    const rank = q * count;
    let lowerBound = 0;
    let lowerCount = 0;
    for (const [bound, cumulative] of sorted) {
      if (cumulative >= rank) {
        // Past the last finite bucket the estimate is that bucket's bound, as PromQL answers.
        if (bound === Infinity) return lowerBound * 1000;
        const inBucket = cumulative - lowerCount;
        const fraction = inBucket === 0 ? 0 : (rank - lowerCount) / inBucket;
        return (lowerBound + (bound - lowerBound) * fraction) * 1000;
      }
      lowerBound = bound;
      lowerCount = cumulative;
    }
    return lowerBound * 1000;
  };
  return {
    count,
    sumMs: sum * 1000,
    p50: round(quantile(0.5)),
    p99: round(quantile(0.99)),
    bucketsMs: sorted.filter(([b]) => b !== Infinity).map(([b]) => b * 1000),
  };
}

/** @param {number} n */
const round = (n) => Math.round(n * 100) / 100;
