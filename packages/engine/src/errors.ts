import * as Data from "effect/Data";

/** One broken rule in a manifest or data table, located by JSON pointer. */
export interface ManifestProblem {
  readonly path: string;
  readonly rule: string;
  readonly message: string;
}

/** A connector manifest (or a file it refers to) that cannot be used. */
export class ManifestError extends Data.TaggedError("ManifestError")<{
  readonly file: string;
  readonly problems: ReadonlyArray<ManifestProblem>;
}> {
  override get message(): string {
    const lines = this.problems.map((p) => `  - at ${p.path || "/"}: ${p.message} (rule: ${p.rule})`);
    return `${this.file} is not a valid connector manifest:\n${lines.join("\n")}`;
  }
}

/** A connector id, action or downstream name that no manifest declares. */
export class UnknownConnectorError extends Data.TaggedError("UnknownConnectorError")<{
  readonly kind: "connector" | "action" | "downstream";
  readonly name: string;
  readonly known: ReadonlyArray<string>;
  readonly suggestion?: string;
}> {
  override get message(): string {
    const hint = this.suggestion ? ` Did you mean \`${this.suggestion}\`?` : "";
    return `Unknown ${this.kind} \`${this.name}\`.${hint} Known: ${this.known.join(", ")}.`;
  }
}
