import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { MemoryBudget, RunReport, Spools } from "@tagwire/engine";

/** Prometheus metrics of one server: rows, records, rejects, retries and request latency per connector. */
export class Metrics {
  readonly registry = new Registry();
  private readonly rows = new Counter({ name: "tagwire_rows_total", help: "Look rows by outcome (read, delivered, rejected, failed).", labelNames: ["connector", "outcome"], registers: [this.registry] });
  private readonly retries = new Counter({ name: "tagwire_retries_total", help: "Destination requests retried.", labelNames: ["connector"], registers: [this.registry] });
  private readonly requests = new Counter({ name: "tagwire_destination_requests_total", help: "Destination requests by HTTP status (network for no answer).", labelNames: ["connector", "status"], registers: [this.registry] });
  private readonly latency = new Histogram({
    name: "tagwire_destination_request_seconds", help: "Destination request latency.", labelNames: ["connector"], registers: [this.registry],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  });
  private readonly executes = new Counter({ name: "tagwire_executes_total", help: "Looker executes by action and result.", labelNames: ["action", "result"], registers: [this.registry] });
  readonly inFlight = new Gauge({ name: "tagwire_executes_in_flight", help: "Executes running now.", registers: [this.registry] });
  private readonly memoryWaits = new Counter({ name: "tagwire_memory_waits_total", help: "Chunks of rows that waited for room in the memory budget.", registers: [this.registry] });
  private readonly memoryWaitSeconds = new Counter({ name: "tagwire_memory_wait_seconds_total", help: "Time chunks of rows waited for room in the memory budget.", registers: [this.registry] });

  constructor(budget?: MemoryBudget) {
    collectDefaultMetrics({ register: this.registry });
    if (budget === undefined) return;
    new Gauge({ name: "tagwire_memory_budget_bytes", help: "The memory budget for rows in flight over all executes (TAGWIRE_MEMORY_BUDGET_BYTES).", registers: [this.registry] }).set(budget.limit);
    new Gauge({
      name: "tagwire_memory_budget_in_use_bytes", help: "Bytes of rows in flight now, charged to the memory budget.", registers: [this.registry],
      collect() {
        this.set(budget.bytesInUse);
      },
    });
    new Gauge({
      name: "tagwire_memory_budget_waiting", help: "Chunks of rows waiting for room in the memory budget now.", registers: [this.registry],
      collect() {
        this.set(budget.waiting);
      },
    });
  }

  /** The spool's disk use, for sizing the disk under it. */
  spool(spools: Spools): void {
    new Gauge({ name: "tagwire_spool_max_bytes", help: "Compressed bytes the spool may keep on disk over all executes (TAGWIRE_SPOOL_MAX_BYTES; 0: no spool).", registers: [this.registry] }).set(spools.config.maxBytes);
    new Gauge({
      name: "tagwire_spool_bytes", help: "Compressed bytes of downloaded Looks waiting on disk to be sent now.", registers: [this.registry],
      collect() {
        this.set(spools.diskBytes().now);
      },
    });
  }

  memoryWait(waitedMs: number): void {
    this.memoryWaits.inc();
    this.memoryWaitSeconds.inc(waitedMs / 1000);
  }

  request(connector: string, status: number | undefined, latencyMs: number): void {
    this.requests.inc({ connector, status: status === undefined ? "network" : String(status) });
    this.latency.observe({ connector }, latencyMs / 1000);
  }

  run(report: RunReport): void {
    const c = report.connector;
    this.rows.inc({ connector: c, outcome: "read" }, report.rows.read);
    this.rows.inc({ connector: c, outcome: "delivered" }, report.rows.delivered);
    this.rows.inc({ connector: c, outcome: "rejected" }, report.rows.rejected);
    this.rows.inc({ connector: c, outcome: "failed" }, report.rows.failed);
    this.retries.inc({ connector: c }, report.requests.retries);
  }

  execute(action: string, result: "success" | "failure" | "refused"): void {
    this.executes.inc({ action, result });
  }
}
