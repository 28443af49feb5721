import { describe, expect, it } from "vitest";
import { fixture, oneLine, tagwire } from "./support/cli.js";

// Every bad input: exit 2 and one clear line on stderr, never a stack trace; nothing on stdout.
const cases: Array<[string, string[], RegExp, string?]> = [
  ["an unreadable file", ["validate", "--to", "mparticle", fixture("missing.json")], /^tagwire: cannot read .*missing\.json: no such file$/],
  ["a directory", ["validate", "--to", "mparticle", fixture("")], /^tagwire: cannot read .*fixtures\/?: is a directory$/],
  ["malformed JSON", ["validate", "--to", "mparticle", "-"], /^tagwire: stdin: .+/, '{"fields": {"dimensions": [ {"name": '],
  ["JSON that is not a json_detail export", ["validate", "--to", "mparticle", fixture("no-fields.json")], /^tagwire: .*no-fields\.json: Look JSON has no "fields" member$/],
  ["an empty CSV", ["validate", "--to", "mparticle", fixture("empty.csv")], /^tagwire: .*empty\.csv: CSV has no header row$/],
  ["a CSV whose first record is empty", ["preview", "--to", "mparticle", fixture("blank-header.csv")], /^tagwire: .*blank-header\.csv: CSV has no header row$/],
  ["a ragged CSV row", ["validate", "--rows", "--to", "mparticle", "--tag", "email=mp_email", fixture("ragged.csv")], /^tagwire: .*ragged\.csv: CSV row has the wrong number of columns/],
  ["--tag naming no CSV column", ["validate", "--to", "mparticle", "--tag", "emal=mp_email", fixture("users.csv")], /--tag names column `emal`, which the CSV header does not have\. Did you mean `email`\? Columns: email, id, city, lifetime_value\.$/],
  ["--tag on a json_detail source", ["validate", "--to", "mparticle", "--tag", "a=b", fixture("users.json")], /^tagwire: --tag applies to CSV sources only/],
  ["an unknown connector", ["send", "--to", "mparticel", fixture("users.json")], /^tagwire: --to: Unknown connector `mparticel`\. Did you mean `mparticle`\? Known: amplitude, braze, mparticle, segment\./],
  ["a malformed --to", ["validate", "--to", "segment:", fixture("users.json")], /^tagwire: --to "segment:" must look like connector or connector:downstream,downstream/],
  ["a malformed --option", ["preview", "--to", "mparticle", "--option", "data_type", fixture("users.json")], /^tagwire: --option "data_type" must look like name=value$/],
  ["a malformed --setting", ["send", "--to", "mparticle", "--setting", "apiKey", fixture("users.json")], /^tagwire: --setting "apiKey" must look like name=value$/],
  ["an unknown flag", ["validate", "--to", "mparticle", "--bogus", fixture("users.json")], /^tagwire: unknown flag --bogus \(see --help\)$/],
  ["a mistyped flag", ["validate", "--to", "mparticle", "--jsn", fixture("users.json")], /^tagwire: The flag '--jsn' is not recognized\. Did you mean '--json'\?$/],
  ["no source", ["validate", "--to", "mparticle"], /^tagwire: missing source: give a file, `-` for stdin, or --look <id>$/],
  ["a source and --look", ["validate", "--to", "mparticle", "--look", "1", fixture("users.json")], /^tagwire: give either a source file or --look, not both$/],
  ["a bad --format", ["validate", "--to", "mparticle", "--format", "xml", fixture("users.json")], /^tagwire: Expected one of the following cases: json_detail, csv$/],
  ["a bad --limit", ["preview", "--to", "mparticle", "--limit", "0", fixture("users.json")], /^tagwire: --limit must be a positive whole number, got 0$/],
  ["--rows without --sync", ["send", "--to", "mparticle", "--rows", "all", "--dry-run", fixture("users.json")], /^tagwire: --rows applies to a sync: give --sync NAME too\.$/],
  ["--removed without --sync", ["send", "--to", "mparticle", "--removed", "clear", "--dry-run", fixture("users.json")], /^tagwire: --removed applies to a sync: give --sync NAME too\.$/],
  ["a bad --rows", ["send", "--to", "mparticle", "--sync", "daily", "--rows", "some", fixture("users.json")], /^tagwire: Expected one of the following cases: changed, all$/],
  // The tests' environment names no store (TAGWIRE_DATABASE_URL=none).
  ["--sync with TAGWIRE_DATABASE_URL=none", ["send", "--to", "mparticle", "--sync", "daily", "--dry-run", fixture("users.json")], /^tagwire: --sync needs a state store, and TAGWIRE_DATABASE_URL=none turns it off\.$/],
  ["an unknown command", ["sned"], /^tagwire: Invalid subcommand for tagwire/],
];

describe("bad input", () => {
  it.each(cases)("%s: exit 2 with one line", async (_, args, line, input) => {
    const r = await tagwire(args, input === undefined ? {} : { input });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(oneLine(r.stderr)).toMatch(line);
  });
});
