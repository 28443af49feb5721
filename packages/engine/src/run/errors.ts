import * as Data from "effect/Data";
import type { Plan, Diagnostic } from "../plan/types.js";

/** The Look cannot be sent as it is: nothing was sent. */
export class PlanRejected extends Data.TaggedError("PlanRejected")<{ readonly plan: Plan }> {
  get errors(): Diagnostic[] {
    return this.plan.diagnostics.filter((d) => d.severity === "error");
  }
  override get message(): string {
    return this.errors.map((d) => `${d.column ? `${d.column}: ` : ""}${d.message}${d.hint ? ` ${d.hint}` : ""}`).join("\n");
  }
}

/** Settings missing or invalid; names the settings, never their values when sensitive. */
export class SettingsError extends Data.TaggedError("SettingsError")<{ readonly problems: ReadonlyArray<{ readonly setting: string; readonly message: string }> }> {
  override get message(): string {
    return this.problems.map((p) => p.message).join("\n");
  }
}

/** The Look's bytes could not be read at all (before any row). */
export class SourceError extends Data.TaggedError("SourceError")<{ readonly reason: string }> {
  override get message(): string {
    return this.reason;
  }
}
