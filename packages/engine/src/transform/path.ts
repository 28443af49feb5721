/** One step of a target path: an object key, or an array holding this row's single element. */
interface Segment {
  readonly key: string;
  readonly array: boolean;
}

export type Record_ = Record<string, unknown>;

/** A target path compiled once per plan, so rows only walk it. */
export interface CompiledPath {
  readonly text: string;
  readonly segments: ReadonlyArray<Segment>;
}

export function compilePath(text: string, extraKey?: string): CompiledPath {
  const segments: Segment[] = text.split(".").map((part) =>
    part.endsWith("[]") ? { key: part.slice(0, -2), array: true } : { key: part, array: false },
  );
  if (extraKey !== undefined) segments.push({ key: extraKey, array: false });
  return { text: extraKey === undefined ? text : `${text}.${extraKey}`, segments };
}

/** Sets a value, creating the objects (and one-element arrays) on the way. */
export function setAt(record: Record_, path: CompiledPath, value: unknown): void {
  const segs = path.segments;
  let node: Record_ = record;
  const last = segs.length - 1;
  for (let i = 0; i < last; i++) {
    const seg = segs[i]!;
    let next = node[seg.key];
    if (seg.array) {
      if (!Array.isArray(next)) {
        next = [{}];
        node[seg.key] = next;
      }
      node = (next as Record_[])[0]!;
    } else {
      if (next === undefined || next === null || typeof next !== "object") {
        next = {};
        node[seg.key] = next;
      }
      node = next as Record_;
    }
  }
  node[segs[last]!.key] = value;
}

export function getAt(record: Record_, path: CompiledPath): unknown {
  let node: unknown = record;
  for (const seg of path.segments) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record_)[seg.key];
    if (seg.array) node = Array.isArray(node) ? node[0] : undefined;
  }
  return node;
}

/** "Has a value": null, empty strings, empty lists and empty objects carry nothing. */
export function isPresent(value: unknown): boolean {
  if (value === undefined || value === null || value === "") return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.keys(value).length > 0;
  return true;
}

/** Splits a requirement pattern: `user_identities.*` means "any key of user_identities". */
export function parsePattern(pattern: string): { path: string; anyKey: boolean } {
  return pattern.endsWith(".*") ? { path: pattern.slice(0, -2), anyKey: true } : { path: pattern, anyKey: false };
}

/** The path with array markers removed, for comparing targets. */
export function plainPath(text: string): string {
  return text.replace(/\[\]/g, "");
}
