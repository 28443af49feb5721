// The text a report keeps of a destination's answer. Some APIs quote the request back, whole or in
// part, and in whatever encoding their error page uses; a row value (an email, a name) or a
// credential must not travel on into reports, Looker messages and logs.

/** Values shorter than this stay: they are too common ("yes", "US") to say anything about a row. */
const MIN_VALUE_LENGTH = 3;
const ELIDED = "…";
/** Characters of an answer looked at for its text; a report shows fewer (see `clip`). */
const MAX_READ = 1200;
/** Layers of encoding taken off (a URL-encoded value inside an HTML page is two). */
const DECODE_PASSES = 4;
/** An escape a cut ends in: `%4`, `&#6`, `\\u00`. */
const SPLIT_ESCAPE = /(?:%[0-9a-fA-F]?|&#?[xX]?[0-9a-zA-Z]{0,7}|\\(?:u[0-9a-fA-F]{0,3})?)$/;
/** A piece of a longer base64 text shorter than this says too little: four characters are three bytes. */
const MIN_EMBEDDED_BASE64 = 8;

/** An API's text, short enough for a report line. */
export const clip = (text: string): string => (text.length > 300 ? `${text.slice(0, 297)}...` : text);

/**
 * What a request carried, as it is looked for in answers: its string and number values and the
 * credentials, indexed by their first characters. Built on first use, once per answer.
 */
export class RequestValues {
  private index: Index | undefined;
  constructor(
    private readonly request: string | Uint8Array,
    private readonly credentials: ReadonlyArray<string> = [],
  ) {}

  /** @internal */
  get indexed(): Index {
    return (this.index ??= indexOf(this.request, this.credentials));
  }
}

/**
 * An answer's text (an error message, a refused record's message) as a report shows it: its start,
 * without anything the request carried (see `withoutRequestValues`), clipped. Every text taken from
 * an answer goes through here.
 */
export function answerText(text: string, request: RequestValues): string {
  if (text.length <= MAX_READ) return clip(withoutRequestValues(text, request));
  // Cut before the request's values are taken out (an answer can be 64 KB), and again after. A
  // value the cut runs through goes too, and so does an escape it splits (`%4`).
  const head = text.slice(0, MAX_READ).replace(SPLIT_ESCAPE, "");
  return clip(`${withoutRequestValues(head, request, true)}...`);
}

/**
 * `text` with every value the request carried, and every credential, replaced by "…": as written,
 * JSON-escaped, URL-encoded (`%40` or `+` for a space), as HTML character references, or in
 * base64. Letters and hex digits match in either case, except in base64, where case is part of
 * the value. Keys stay, so the answer still says what is wrong. With `cut` (the text is the start
 * of a longer one), a value's start at its end goes too.
 */
export function withoutRequestValues(text: string, request: RequestValues | string | Uint8Array, cut = false): string {
  const { folded, encoded } = (request instanceof RequestValues ? request : new RequestValues(request)).indexed;
  if (text.length < MIN_VALUE_LENGTH || (folded.size === 0 && encoded.size === 0)) return text;
  const hidden = new Uint8Array(text.length);
  const plain = decoded(text);
  const canonical = fold(plain.text);
  for (const [from, to] of matches(canonical, folded, cut)) for (let k = from; k < to; k++) hidden.fill(1, plain.start[k], plain.end[k]);
  for (const [from, to] of matches(text, encoded, cut)) hidden.fill(1, from, to);
  let out = "";
  for (let i = 0; i < text.length; i++) {
    if (hidden[i] === 0) out += text[i];
    else if (i === 0 || hidden[i - 1] === 0) out += ELIDED;
  }
  return out;
}

/** @internal Candidates by their first MIN_VALUE_LENGTH characters. */
export interface Index {
  /** Values decoded and folded (see `fold`), looked for in the answer decoded and folded alike. */
  readonly folded: Map<string, string[]>;
  /** Values in base64, looked for in the answer as written. */
  readonly encoded: Map<string, string[]>;
}

function indexOf(request: string | Uint8Array, credentials: ReadonlyArray<string>): Index {
  const values = new Set<string>();
  for (const c of credentials) values.add(c);
  try {
    collect(JSON.parse(typeof request === "string" ? request : Buffer.from(request.buffer, request.byteOffset, request.byteLength).toString("utf8")), values);
  } catch {
    // Not JSON: nothing of it can be told apart as a value; the credentials are still taken out.
  }
  const folded = new Map<string, string[]>();
  const encoded = new Map<string, string[]>();
  for (const value of values) {
    if (value.length < MIN_VALUE_LENGTH) continue;
    add(folded, fold(/[%&\\]/.test(value) ? decoded(value).text : value));
    for (const form of base64Forms(value)) add(encoded, form);
  }
  return { folded, encoded };
}

function add(index: Map<string, string[]>, value: string): void {
  if (value.length < MIN_VALUE_LENGTH) return;
  const key = value.slice(0, MIN_VALUE_LENGTH);
  const list = index.get(key);
  if (list === undefined) index.set(key, [value]);
  else if (!list.includes(value)) list.push(value);
}

/** Every string and number of the request, as text. */
function collect(node: unknown, values: Set<string>): void {
  const stack: unknown[] = [node];
  while (stack.length > 0) {
    const next = stack.pop();
    if (typeof next === "string" || typeof next === "number") values.add(String(next));
    else if (next !== null && typeof next === "object") for (const child of Object.values(next)) stack.push(child);
  }
}

/**
 * The value in base64 and base64url: on its own, with and without padding (which an answer may
 * encode or drop), and as it reads inside a longer base64 text (a whole request echoed in base64), where it
 * can start at any of three byte offsets: only the groups of four holding its bytes alone.
 */
function base64Forms(value: string): string[] {
  const bytes = Buffer.from(value, "utf8");
  const padded = bytes.toString("base64");
  const forms = new Set([padded, padded.replace(/=+$/, "")]);
  for (let offset = 0; offset < 3; offset++) {
    const groups = Math.floor((offset + bytes.length) / 3);
    const inner = Buffer.concat([Buffer.alloc(offset), bytes]).toString("base64").slice(offset === 0 ? 0 : 4, 4 * groups);
    if (inner.length >= MIN_EMBEDDED_BASE64) forms.add(inner);
  }
  for (const form of [...forms]) forms.add(form.replace(/\+/g, "-").replace(/\//g, "_"));
  return [...forms];
}

/** Where the index's values occur in `text`, as [from, to) ranges; with `cut`, a value's start at the end of `text` too. */
function matches(text: string, index: Map<string, string[]>, cut: boolean): Array<[number, number]> {
  const found: Array<[number, number]> = [];
  if (index.size === 0) return found;
  for (let i = 0; i + MIN_VALUE_LENGTH <= text.length; i++) {
    const candidates = index.get(text.slice(i, i + MIN_VALUE_LENGTH));
    if (candidates === undefined) continue;
    for (const value of candidates) {
      if (text.startsWith(value, i)) found.push([i, i + value.length]);
      else if (cut && value.length > text.length - i && value.startsWith(text.slice(i))) found.push([i, text.length]);
    }
  }
  return found;
}

/**
 * One character for another where case or a URL's `+` for a space makes no difference. A character
 * whose lower case is longer (`İ`) stays, so positions still line up with the decoded text.
 */
function fold(text: string): string {
  let out = "";
  for (const c of text) {
    const lower = c === "+" ? " " : c.toLowerCase();
    out += lower.length === c.length ? lower : c;
  }
  return out;
}

/** Text with its encodings taken off, and for each of its code units the span of `source` it came from. */
interface Decoded {
  readonly text: string;
  readonly start: number[];
  readonly end: number[];
}

/** `source` decoded layer by layer, until nothing more changes. */
function decoded(source: string): Decoded {
  let current: Decoded = { text: source, start: [], end: [] };
  for (let i = 0; i < source.length; i++) {
    current.start.push(i);
    current.end.push(i + 1);
  }
  for (let pass = 0; pass < DECODE_PASSES; pass++) {
    const next = decodeOnce(current.text);
    if (next === undefined) break;
    current = { text: next.text, start: next.start.map((s) => current.start[s]!), end: next.end.map((e) => current.end[e - 1]!) };
  }
  return current;
}

/** Named references for the characters an email, a URL or a name holds, and HTML's own. */
const NAMED = new Map(
  Object.entries({ amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", commat: "@", period: ".", plus: "+", lowbar: "_", colon: ":", sol: "/", num: "#", equals: "=", excl: "!", percnt: "%", dollar: "$", comma: ",", nbsp: "\u00a0" }),
);
const REFERENCE = /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z]{2,8}));?/y;
const JSON_ESCAPES: Readonly<Record<string, string>> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
const hexAt = (s: string, i: number, n: number): number | undefined => {
  const digits = s.slice(i, i + n);
  return digits.length === n && /^[0-9a-fA-F]+$/.test(digits) ? parseInt(digits, 16) : undefined;
};

/** One layer of percent-encoding, HTML character references and JSON escapes; undefined if there was none. */
function decodeOnce(s: string): Decoded | undefined {
  let text = "";
  const start: number[] = [];
  const end: number[] = [];
  let changed = false;
  const emit = (chars: string, from: number, to: number) => {
    for (let k = 0; k < chars.length; k++) {
      start.push(from);
      end.push(to);
    }
    text += chars;
  };
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === "%") {
      const decodedBytes = percentSequence(s, i);
      if (decodedBytes !== undefined) {
        emit(decodedBytes.chars, i, decodedBytes.to);
        i = decodedBytes.to;
        changed = true;
        continue;
      }
    } else if (c === "&") {
      REFERENCE.lastIndex = i;
      const m = REFERENCE.exec(s);
      const code = m === null ? undefined : m[1] !== undefined ? parseInt(m[1], 10) : m[2] !== undefined ? parseInt(m[2], 16) : undefined;
      const chars = m === null ? undefined : code !== undefined ? (code <= 0x10ffff ? String.fromCodePoint(code) : undefined) : NAMED.get(m[3]!.toLowerCase());
      if (m !== null && chars !== undefined) {
        emit(chars, i, i + m[0].length);
        i += m[0].length;
        changed = true;
        continue;
      }
    } else if (c === "\\" && i + 1 < s.length) {
      const e = s[i + 1]!;
      const unit = e === "u" ? hexAt(s, i + 2, 4) : undefined;
      if (unit !== undefined) {
        emit(String.fromCharCode(unit), i, i + 6);
        i += 6;
        changed = true;
        continue;
      }
      if (JSON_ESCAPES[e] !== undefined) {
        emit(JSON_ESCAPES[e], i, i + 2);
        i += 2;
        changed = true;
        continue;
      }
    }
    emit(c, i, i + 1);
    i++;
  }
  return changed ? { text, start, end } : undefined;
}

/** The character a `%XX` sequence at `i` encodes in UTF-8 (`%40`, `%C3%A9`), and where the sequence ends. */
function percentSequence(s: string, i: number): { chars: string; to: number } | undefined {
  const lead = hexAt(s, i + 1, 2);
  if (lead === undefined) return undefined;
  const length = lead < 0x80 ? 1 : lead >= 0xc2 && lead < 0xe0 ? 2 : lead >= 0xe0 && lead < 0xf0 ? 3 : lead >= 0xf0 && lead < 0xf5 ? 4 : 0;
  if (length === 0) return undefined;
  const bytes = [lead];
  for (let k = 1; k < length; k++) {
    const at = i + 3 * k;
    const next = s[at] === "%" ? hexAt(s, at + 1, 2) : undefined;
    if (next === undefined || next < 0x80 || next > 0xbf) return undefined;
    bytes.push(next);
  }
  const chars = Buffer.from(bytes).toString("utf8");
  return chars.includes("\ufffd") ? undefined : { chars, to: i + 3 * length };
}
