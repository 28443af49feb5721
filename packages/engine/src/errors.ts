// Loading manifests also runs in worker threads, which do not load the Effect runtime (about 11 MB
// a thread): these errors are thrown, not failed in an Effect, so they are plain tagged Errors.

/** One broken rule in a manifest or data table, located by JSON pointer. */
export interface ManifestProblem {
  readonly path: string;
  readonly rule: string;
  readonly message: string;
}

/** A connector manifest (or a file it refers to) that cannot be used. */
export class ManifestError extends Error {
  readonly _tag = "ManifestError";
  readonly file: string;
  readonly problems: ReadonlyArray<ManifestProblem>;

  constructor(args: { readonly file: string; readonly problems: ReadonlyArray<ManifestProblem> }) {
    super();
    this.name = "ManifestError";
    this.file = args.file;
    this.problems = args.problems;
  }

  override get message(): string {
    const lines = this.problems.map((p) => `  - at ${p.path || "/"}: ${p.message} (rule: ${p.rule})`);
    return `${this.file} is not a valid connector manifest:\n${lines.join("\n")}`;
  }
}

/** A connector id, action or downstream name that no manifest declares. */
export class UnknownConnectorError extends Error {
  readonly _tag = "UnknownConnectorError";
  readonly kind: "connector" | "action" | "downstream";
  readonly known: ReadonlyArray<string>;
  readonly suggestion?: string;

  constructor(args: { readonly kind: "connector" | "action" | "downstream"; readonly name: string; readonly known: ReadonlyArray<string>; readonly suggestion?: string }) {
    super();
    // `name` is the unknown id; the class is told apart by `_tag` and instanceof.
    this.kind = args.kind;
    this.name = args.name;
    this.known = args.known;
    if (args.suggestion !== undefined) this.suggestion = args.suggestion;
  }

  override get message(): string {
    const hint = this.suggestion ? ` Did you mean \`${this.suggestion}\`?` : "";
    return `Unknown ${this.kind} \`${this.name}\`.${hint} Known: ${this.known.join(", ")}.`;
  }
}
