import { describe, expect, it } from "vitest";
import { fixture, tagwire } from "./support/cli.js";

/** stdout is one JSON error object, stderr is empty, and the exit status is the one its code documents. */
async function jsonError(args: string[], code: string, exitCode: number, env: Record<string, string> = {}) {
  const r = await tagwire(args, { env });
  expect(r.stderr).toBe("");
  const out = JSON.parse(r.stdout);
  expect(out).toMatchObject({ ok: false, error: { code, exitCode, message: expect.any(String) } });
  expect(r.code).toBe(exitCode);
  return out.error as { code: string; message: string; diagnostics?: unknown[] };
}

const keys = { TAGWIRE_MPARTICLE_API_KEY: "k", TAGWIRE_MPARTICLE_API_SECRET: "s" };

describe("--json: valid JSON on stdout in every outcome", () => {
  describe.each(["validate", "preview", "send"])("%s", (command) => {
    it("a usage error (unknown flag)", async () => {
      const e = await jsonError([command, "--json", "--to", "mparticle", "--bogus", fixture("users.json")], "usage", 2);
      expect(e.message).toBe("unknown flag --bogus (see --help)");
    });

    it("a usage error (malformed flag value)", async () => {
      const e = await jsonError([command, "--json", "--to", "segment:", fixture("users.json")], "usage", 2);
      expect(e.message).toMatch(/^--to "segment:" must look like/);
    });

    it("an unknown connector", async () => {
      await jsonError([command, "--json", "--to", "mparticel", fixture("users.json")], "usage", 2);
    });

    it("an unreadable file", async () => {
      const e = await jsonError([command, "--json", "--to", "mparticle", fixture("missing.json")], "input", 2, keys);
      expect(e.message).toMatch(/cannot read .*missing\.json: no such file$/);
    });

    it("a source error (a CSV without a header row)", async () => {
      const e = await jsonError([command, "--json", "--to", "mparticle", fixture("empty.csv")], "source", 2, keys);
      expect(e.message).toMatch(/empty\.csv: CSV has no header row$/);
    });
  });

  it.each(["preview", "send"])("%s: a plan error is an error object with the diagnostics, exit 1", async (command) => {
    const e = await jsonError([command, "--json", "--to", "mparticle", fixture("untagged.json")], "plan", 1, keys);
    expect(e.message).toMatch(/^invalid: 2 errors/);
    expect(e.diagnostics).toContainEqual(expect.objectContaining({ severity: "error", code: "near-miss-tag", column: "users.email" }));
  });

  it("validate: a plan error is the normal report, valid: false, exit 1", async () => {
    const r = await tagwire(["validate", "--json", "--to", "mparticle", fixture("untagged.json")]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).valid).toBe(false);
  });

  it("send: a settings error", async () => {
    const e = await jsonError(["send", "--json", "--to", "mparticle", fixture("users.json")], "settings", 2, { TAGWIRE_MPARTICLE_API_SECRET: "s" });
    expect(e.message).toContain("TAGWIRE_MPARTICLE_API_KEY");
  });

  it("send --dry-run: a settings error", async () => {
    await jsonError(["send", "--dry-run", "--json", "--to", "mparticle", fixture("users.json")], "settings", 2, { ...keys, TAGWIRE_MPARTICLE_RATE_LIMIT: "fast" });
  });

  it("send: a bad retry variable is a config error", async () => {
    await jsonError(["send", "--json", "--to", "mparticle", fixture("users.json")], "config", 2, { ...keys, TAGWIRE_RETRY_MAX: "x" });
  });

  it("a mistyped command's --json: a usage error", async () => {
    await jsonError(["sned", "--json"], "usage", 2);
  });

  it("destinations: a usage error", async () => {
    await jsonError(["destinations", "--json", "--bogus"], "usage", 2);
  });

  it("demo: a usage error", async () => {
    await jsonError(["demo", "--json", "--bogus"], "usage", 2);
  });

  it("without --json the same fault is one `tagwire:` line on stderr with the same exit status", async () => {
    for (const command of ["validate", "preview", "send"]) {
      const r = await tagwire([command, "--to", "mparticle", "--bogus", fixture("users.json")]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe("tagwire: unknown flag --bogus (see --help)\n");
    }
  });
});

describe("a source that breaks off", () => {
  const ragged = ["--to", "mparticle", "--tag", "email=mp_email", fixture("ragged.csv")];
  it("gives exit 2 from validate --rows and from send --dry-run, and is printed once", async () => {
    const validate = await tagwire(["validate", "--rows", ...ragged]);
    const send = await tagwire(["send", "--dry-run", ...ragged], { env: keys });
    expect(validate.code).toBe(2);
    expect(send.code).toBe(2);
    const all = send.stdout + send.stderr;
    expect(all.split("CSV row has the wrong number of columns").length - 1).toBe(1);
  });
});
