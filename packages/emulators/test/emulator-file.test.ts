import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { connectorsDir } from "@tagwire/engine";
import { emulatorFileReader, EmulatorFileError } from "../src/emulator-file.js";
import { EMULATOR_FILE, startEmulators } from "../src/index.js";

const scratch = mkdtempSync(join(tmpdir(), "tagwire-emulator-file-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let folders = 0;
/** A connector folder holding only this emulator file (`undefined`: none; a string: the raw text). */
function folderWith(file: unknown): string {
  const dir = join(scratch, `c${++folders}`);
  mkdirSync(dir);
  if (file !== undefined) writeFileSync(join(dir, EMULATOR_FILE), typeof file === "string" ? file : JSON.stringify(file));
  return dir;
}

const read = emulatorFileReader();

/** The problems an emulator file has, or [] when it is read. */
function problemsOf(file: unknown): readonly string[] {
  try {
    read(folderWith(file));
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(EmulatorFileError);
    return (error as EmulatorFileError).problems;
  }
}

describe("emulator files", () => {
  it("a folder without one gets the defaults: no one-record paths, a bad record refuses the request", () => {
    expect(read(folderWith(undefined))).toEqual({ singleRecordPaths: {}, invalidRecord: "rejects-request" });
  });

  it("a key left out gets its default; the keys given are kept", () => {
    expect(read(folderWith({ invalidRecord: "accepted-then-dropped" }))).toEqual({ singleRecordPaths: {}, invalidRecord: "accepted-then-dropped" });
    expect(read(folderWith({ singleRecordPaths: { "/v1/track": { type: "track" } } }))).toEqual({
      singleRecordPaths: { "/v1/track": { type: "track" } },
      invalidRecord: "rejects-request",
    });
  });

  it("every connector's emulator file is valid", () => {
    for (const id of ["amplitude", "braze", "mparticle", "segment"]) {
      const raw = JSON.parse(readFileSync(join(connectorsDir, id, EMULATOR_FILE), "utf8")) as Record<string, unknown>;
      expect(read(join(connectorsDir, id)), id).toMatchObject({ invalidRecord: raw["invalidRecord"] });
    }
  });

  it("names each problem by its JSON pointer", () => {
    expect(problemsOf({ invalidRecord: "ignored" })).toEqual(['at /invalidRecord: must be equal to one of the allowed values: "rejects-request", "accepted-then-dropped"']);
    expect(problemsOf({ singleRecordPaths: { "/v2/events": "batch" } })).toEqual(["at /singleRecordPaths/~1v2~1events: must be object"]);
    expect(problemsOf({ singleRecordPaths: { "/v1/track": { type: 1 } } })).toEqual(["at /singleRecordPaths/~1v1~1track/type: must be string"]);
    expect(problemsOf({ singleRecordPaths: { "v1/track": {} } })).toContain('at /singleRecordPaths: must match pattern "^/"');
    // A manifest's wire key put here by mistake is refused, not ignored.
    expect(problemsOf({ path: "/v1/batch" })).toEqual(["at /: must NOT have additional properties `path`"]);
  });

  it("a file that is not JSON is refused with the parser's message", () => {
    const problems = problemsOf("{ invalidRecord: ");
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/JSON/);
  });

  it("startEmulators refuses a connector whose emulator file is invalid, naming the file", async () => {
    const dir = join(scratch, "connectors");
    mkdirSync(join(dir, "segment"), { recursive: true });
    // The real manifest, with the files it names, and its record schema's path from the new folder.
    const manifest = JSON.parse(readFileSync(join(connectorsDir, "segment", "manifest.json"), "utf8"));
    manifest.wire.recordSchema = relative(join(dir, "segment"), join(connectorsDir, "segment", manifest.wire.recordSchema));
    for (const file of [manifest.icon, manifest.downstreams.file]) copyFileSync(join(connectorsDir, "segment", file), join(dir, "segment", file));
    writeFileSync(join(dir, "segment", "manifest.json"), JSON.stringify(manifest));
    writeFileSync(join(dir, "segment", EMULATOR_FILE), JSON.stringify({ invalidRecord: "sometimes" }));
    await expect(startEmulators({ port: 0, connectorsDir: dir })).rejects.toThrow(`${join(dir, "segment", EMULATOR_FILE)} is not a valid emulator file`);
  });
});
