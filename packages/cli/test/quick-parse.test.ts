import * as Option from "effect/Option";
import { describe, expect, it } from "vitest";
import { destinationsFlags } from "../src/commands/destination-list.js";
import { validateFlags } from "../src/commands/validation-report.js";
import { parseQuick } from "../src/quick-parse.js";

// The quick reader takes the plain forms and gives the values @effect/cli would; whatever it leaves
// (undefined) the full CLI reads, with its own usage errors. The CLI tests check the output of both.
describe("parseQuick", () => {
  it("reads the plain forms of validate's flags, in any order", () => {
    const flags = parseQuick(validateFlags, ["users.json", "--to=segment:zendesk,totango", "--option", "a=b=c", "--option", "d=e", "--hide", "x", "--format", "csv", "--json"]);
    expect(flags).toEqual({
      to: { connector: "segment", downstreams: ["zendesk", "totango"] },
      action: Option.none(),
      option: [
        ["a", "b=c"],
        ["d", "e"],
      ],
      source: Option.some("users.json"),
      format: Option.some("csv"),
      tag: [],
      look: Option.none(),
      hide: ["x"],
      rows: false,
      sync: Option.none(),
      removed: Option.none(),
      setting: [],
      json: true,
    });
  });

  it("reads destinations with and without --json", () => {
    expect(parseQuick(destinationsFlags, [])).toEqual({ json: false });
    expect(parseQuick(destinationsFlags, ["--json"])).toEqual({ json: true });
  });

  it("leaves every other form to @effect/cli", () => {
    const declined = [
      ["--to", "mparticle", "a.json", "b.json"], // two sources
      ["a.json"], // --to missing
      ["--to", "a:b:c", "a.json"], // --to invalid
      ["--to", "mparticle", "--to", "segment", "a.json"], // given twice
      ["--to", "mparticle", "a.json", "--bogus"],
      ["--to", "mparticle", "a.json", "--JSON"],
      ["--to", "mparticle", "a.json", "-h"],
      ["--to", "mparticle", "a.json", "--version"],
      ["--to", "mparticle", "a.json", "--", "--json"],
      ["--to", "mparticle", "a.json", "--json", "yes"], // a switch takes a following boolean word
      ["--to", "mparticle", "a.json", "--json=true"],
      ["--to", "mparticle", "a.json", "--format", "xml"],
      ["--to", "mparticle", "a.json", "--hide=x"], // a repeatable flag takes no `=value`
      ["--to", "mparticle", "a.json", "--option", "bad"],
      ["--to", "mparticle", "a.json", "--action"], // no value
      ["--to", "-x", "a.json"],
      ["--to", " mparticle", "a.json"],
      ["--to", "mparticle", "-", "--json"], // nothing is a flag after `-`
      ["--to", "mparticle", "--unknown", "a.json"],
    ];
    for (const words of declined) expect(parseQuick(validateFlags, words), words.join(" ")).toBeUndefined();
    expect(parseQuick(destinationsFlags, ["extra"])).toBeUndefined();
  });

  it("takes stdin as the last word", () => {
    expect(parseQuick(validateFlags, ["--to", "mparticle", "-"])?.source).toEqual(Option.some("-"));
  });
});
