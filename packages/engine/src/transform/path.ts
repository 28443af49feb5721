/** One step of a target path: an object key, or an array holding this row's single element. */
interface Step {
  readonly key: string;
  readonly array: boolean;
  /**
   * The key names nothing an object inherits (`__proto__`, `constructor`, ...), so it is read and
   * written as a plain property; decided once per plan, as rows only walk the path.
   */
  readonly plain: boolean;
}

const step = (key: string, array: boolean): Step => ({ key, array, plain: !(key in Object.prototype) });

export type Record_ = Record<string, unknown>;

/** A target path compiled once per plan, so rows only walk it. */
export interface CompiledPath {
  readonly text: string;
  readonly steps: ReadonlyArray<Step>;
}

/** `text` is a target path, or "" for the record itself (a `key` rule without `target`). */
export function compilePath(text: string, extraKey?: string): CompiledPath {
  const steps: Step[] = text === "" ? [] : text.split(".").map((part) => (part.endsWith("[]") ? step(part.slice(0, -2), true) : step(part, false)));
  if (extraKey !== undefined) steps.push(step(extraKey, false));
  if (steps.length === 0) throw new Error("a target path needs at least one key");
  return { text: extraKey === undefined ? text : joinPath(text, extraKey), steps };
}

/** `parent.key`, or `key` when the parent is the record itself (""). */
export function joinPath(parent: string, key: string): string {
  return parent === "" ? key : `${parent}.${key}`;
}

/** A target for messages: `traits`, or "the record's top level" for "". */
export function describeTarget(path: string): string {
  return path === "" ? "the record's top level" : `\`${path}\``;
}

/**
 * Sets a value, creating the objects (and one-element arrays) on the way. Keys come from Look
 * labels and names, so only own properties are read and every key is written as an own property:
 * a column labelled `__proto__` is sent under that key, and never reaches a prototype.
 */
export function setAt(record: Record_, path: CompiledPath, value: unknown): void {
  const segs = path.steps;
  let node: Record_ = record;
  const last = segs.length - 1;
  for (let i = 0; i < last; i++) {
    const seg = segs[i]!;
    let next = seg.plain || Object.hasOwn(node, seg.key) ? node[seg.key] : undefined;
    if (seg.array) {
      if (!Array.isArray(next)) {
        next = [{}];
        put(node, seg.key, next);
      }
      node = (next as Record_[])[0]!;
    } else {
      if (next === undefined || next === null || typeof next !== "object") {
        next = {};
        put(node, seg.key, next);
      }
      node = next as Record_;
    }
  }
  const end = segs[last]!;
  if (end.plain) node[end.key] = value;
  else put(node, end.key, value);
}

function put(node: Record_, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(node, key, { value, enumerable: true, writable: true, configurable: true });
  else node[key] = value;
}

export function getAt(record: Record_, path: CompiledPath): unknown {
  let node: unknown = record;
  for (const seg of path.steps) {
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
  if (typeof value === "object") {
    for (const key in value) if (Object.hasOwn(value, key)) return true;
    return false;
  }
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
