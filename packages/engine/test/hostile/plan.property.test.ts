// Hostile input for the planner: any field metadata a Look can carry past the reader, any tags,
// labels, options, actions, downstreams and hidden fields. The planner never throws; every
// diagnostic says what is wrong; an error always blocks sending.

import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { connectorsDir, knownTags, loadConnectorFile, plan, allFields, type Connector, type LookFields } from "../../src/index.js";
import { closest, distance } from "../../src/plan/did-you-mean.js";
import { toLookFields } from "../../src/look/look-fields.js";
import { LookFormatError } from "../../src/look/look-format-error.js";

// The two connectors the suite knows; loaded by file so a connector being written elsewhere does not matter here.
const connectors: Connector[] = ["mparticle", "segment"].map((id) => loadConnectorFile(join(connectorsDir, id, "manifest.json")));

const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const hostileText = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 16 }),
  fc.string({ unit: anyCodeUnit, maxLength: 8 }),
  fc.constantFrom("__proto__", "__PROTO__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf", "", " ", "\u0000", "\ufeff", "🙂", "日本語", "users.", ".", "a.b.c", "x[]", "*"),
);
/** 50 KB to 500 KB, by repetition. */
const hugeText = fc.tuple(fc.constantFrom("x", "é", "🙂", "mp_", "segment_"), fc.integer({ min: 50_000, max: 500_000 })).map(([s, n]) => s.repeat(Math.ceil(n / s.length)));
const text = fc.oneof({ weight: 20, arbitrary: hostileText }, { weight: 1, arbitrary: hugeText });

function tagPool(c: Connector): fc.Arbitrary<string> {
  const known = knownTags(c.manifest);
  const near = known.map((t) => `${t.slice(0, -1)}x`); // one edit away: "did you mean"
  const family = c.manifest.tags.families.flatMap((f) => [f, `${f}unknown`, f.toUpperCase()]);
  return fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...known) }, { weight: 2, arbitrary: fc.constantFrom(...near, ...family) }, { weight: 2, arbitrary: text });
}

/** A field object as JSON may give it: the reader requires only a non-empty string name and string tags. */
function fieldOf(c: Connector) {
  const label = fc.oneof({ weight: 6, arbitrary: text }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) });
  return fc.record(
    {
      name: fc.oneof(text, fc.constantFrom("users.id", "users.email", "users.platform", "device_info.ios_idfv", "v.platform", "a.__proto__", "a.constructor")).filter((s) => s !== ""),
      label,
      label_short: label,
      view: text,
      tags: fc.oneof({ weight: 8, arbitrary: fc.array(tagPool(c), { maxLength: 4 }) }, { weight: 1, arbitrary: fc.constant(null) }),
      measure: fc.oneof(fc.boolean(), fc.jsonValue({ maxDepth: 1 })),
      hidden: fc.oneof(fc.boolean(), fc.jsonValue({ maxDepth: 1 })),
      is_numeric: fc.jsonValue({ maxDepth: 1 }),
    },
    { requiredKeys: ["name"] },
  );
}

/** Fields as the reader hands them on: through JSON and `toLookFields`, so `__proto__` keys are own keys as in a real Look. */
function fieldsOf(c: Connector): fc.Arbitrary<LookFields | undefined> {
  const f = fieldOf(c);
  return fc
    .record({ dimensions: fc.array(f, { maxLength: 7 }), measures: fc.array(f, { maxLength: 3 }), table_calculations: fc.array(f, { maxLength: 2 }), pivots: fc.array(f, { maxLength: 1 }) })
    .map((raw) => {
      try {
        return toLookFields(JSON.parse(JSON.stringify(raw)));
      } catch (e) {
        if (e instanceof LookFormatError) return undefined;
        throw e;
      }
    });
}

function optionsOf(c: Connector): fc.Arbitrary<Record<string, string | undefined>> {
  const names = c.manifest.options.map((o) => o.name);
  const values = c.manifest.options.flatMap((o) => (o.choices ?? []).flatMap((ch) => [ch.value, ch.label]));
  const name = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: text });
  const value = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...values, "") }, { weight: 2, arbitrary: text }, { weight: 1, arbitrary: fc.constant(undefined) });
  // Built as JSON would build it (Looker's form_params): a `__proto__` name is an own key.
  return fc.array(fc.tuple(name, value), { maxLength: 5 }).map((entries) => JSON.parse(JSON.stringify(Object.fromEntries(entries))) as Record<string, string | undefined>);
}

const input = fc.constantFrom(...connectors).chain((c) =>
  fc.record({
    connector: fc.constant(c),
    fields: fieldsOf(c),
    options: optionsOf(c),
    action: fc.option(fc.oneof(fc.constantFrom(...c.manifest.actions.map((a) => a.name)), text), { nil: undefined }),
    downstreams: fc.option(fc.array(fc.oneof(fc.constantFrom(...(c.downstreams.length > 0 ? c.downstreams.map((d) => d.id) : ["none"])), text), { maxLength: 3 }), { nil: undefined }),
    hidden: fc.array(fc.oneof(fc.constantFrom("users.id", "users.email"), text), { maxLength: 3 }),
  }),
);

describe("plan on hostile field metadata and options", () => {
  it("never throws; every diagnostic names its rule and says what is wrong; errors block sending", () => {
    fc.assert(
      fc.property(input, ({ connector, fields, options, action, downstreams, hidden }) => {
        fc.pre(fields !== undefined);
        const started = performance.now();
        const p = plan(connector, {
          fields: fields!,
          options,
          hiddenFields: hidden,
          ...(action !== undefined ? { action } : {}),
          ...(downstreams !== undefined ? { downstreams } : {}),
        });
        expect(performance.now() - started).toBeLessThan(2_000);

        for (const d of p.diagnostics) {
          expect(["error", "warning", "info"]).toContain(d.severity);
          expect(typeof d.code === "string" && d.code.length > 0).toBe(true);
          expect(typeof d.rule === "string" && d.rule.length > 0).toBe(true);
          expect(typeof d.message === "string" && d.message.trim().length > 0).toBe(true);
          if (d.hint !== undefined) expect(typeof d.hint).toBe("string");
        }
        expect(p.ok).toBe(!p.diagnostics.some((d) => d.severity === "error"));

        // One plan per column, in order; a hidden column is never sent; a mapped one has a target and a writer.
        const columns = allFields(fields!);
        expect(p.columns.map((c) => c.column)).toEqual(columns.map((c) => c.name));
        const hiddenSet = new Set(hidden);
        for (const c of p.columns) {
          if (hiddenSet.has(c.column)) expect(c.status).toBe("ignored");
          if (c.status === "mapped") expect(typeof c.target).toBe("string");
          else expect(typeof c.reason).toBe("string");
        }
        expect(p.program.writers.length).toBe(p.columns.filter((c) => c.status === "mapped").length);
        // Two columns never write the same place.
        const targets = p.program.writers.map((w) => w.path.text);
        expect(new Set(targets).size).toBe(targets.length);
        // The resolved options hold only the connector's own options.
        for (const k of Object.keys(p.options)) expect(connector.manifest.options.some((o) => o.name === k)).toBe(true);
        expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
      }),
      { numRuns: 1_500 },
    );
  }, 60_000);
});

describe("did-you-mean on hostile words", () => {
  /** The plain search: the first candidate at the smallest distance within the limit. */
  const reference = (word: string, candidates: string[]): string | undefined => {
    const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
    let best: string | undefined;
    let bestDistance = limit + 1;
    for (const c of candidates) {
      const d = distance(word.toLowerCase(), c.toLowerCase());
      if (d < bestDistance) [best, bestDistance] = [c, d];
    }
    return best;
  };

  it("gives the same suggestion as the plain edit-distance search", () => {
    const word = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: "grapheme", maxLength: 8 }), fc.constantFrom("mp_emal", "İstanbul", "user_ID", "ẞ"));
    fc.assert(
      fc.property(word, fc.array(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("mp_email", "istanbul", "user_id", "ß", "İ")), { maxLength: 8 }), (w, candidates) => {
        expect(closest(w, candidates)).toBe(reference(w, candidates));
      }),
      { numRuns: 2_000 },
    );
  });

  it("a Look with many megabyte-long unknown tags and option names plans at once", () => {
    const blob = (c: string) => c.repeat(1_000_000);
    const dimensions = ["q", "mp_", "x", "é", "segment_", "z", "y", "w"].map((c, i) => ({ name: `v.f${i}`, tags: [blob(c)] }));
    for (const c of connectors) {
      const started = performance.now();
      const p = plan(c, { fields: { dimensions, measures: [], table_calculations: [], pivots: [] }, options: { [blob("o")]: "x", [c.manifest.options[0]!.name]: blob("v") } });
      // Each tag used to be compared letter by letter with every known tag: about 1.5 s for these.
      expect(performance.now() - started).toBeLessThan(500);
      expect(p.ok).toBe(false);
    }
  });
});
