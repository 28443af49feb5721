/** The Look document cannot be read: malformed, truncated, or outside the configured limits. */
export class LookFormatError extends Error {
  readonly _tag = "LookFormatError";

  constructor(message: string) {
    super(message);
    this.name = "LookFormatError";
  }
}
