// The run's report as it fills, and the progress told from it: the one place the stages count
// what became of each row.

import type { Pacer } from "../deliver/pacer.js";
import type { ReportBuilder } from "./report.js";
import type { RunProgress } from "./run-input.js";
import { pacingNow } from "./pacing.js";

export class RunTally {
  /** The last answer that failed a request, told with the figures. */
  private lastFailure: RunProgress["lastFailure"];

  constructor(
    readonly report: ReportBuilder,
    private readonly pacer: Pacer | undefined,
    private readonly onProgress: ((progress: RunProgress) => void) | undefined,
  ) {}

  failedAnswer(reason: string): void {
    this.lastFailure = { reason, at: Date.now() };
  }

  /** Tells the figures so far, with what holds the send (a dry run has no pacer). */
  tell(): void {
    if (this.onProgress === undefined) return;
    this.onProgress({ ...this.report.progress, ...(this.pacer !== undefined ? pacingNow(this.pacer) : {}), ...(this.lastFailure !== undefined ? { lastFailure: this.lastFailure } : {}) });
  }

  /** The report, with the time the run's requests waited for the rate limit. */
  finish() {
    return this.report.finish(this.pacer?.pacedMsAt(performance.now()));
  }
}
