import { describe, expect, it } from "vitest";
import { tokenForNonce } from "@tagwire/action-server";
import { oneLine, tagwire } from "./support/cli.js";

describe("tagwire token", () => {
  it("prints a nonce token derived from ACTION_HUB_SECRET, new each time", async () => {
    const secret = "s3cret-for-the-token-test";
    const a = await tagwire(["token"], { env: { ACTION_HUB_SECRET: secret } });
    const b = await tagwire(["token"], { env: { ACTION_HUB_SECRET: secret } });
    expect(a.code).toBe(0);
    const token = a.stdout.trim();
    const [nonce] = token.split("/");
    expect(token).toMatch(/^[0-9a-f]{32}\/[0-9a-f]{128}$/);
    expect(token).toBe(tokenForNonce(secret, nonce!));
    expect(b.stdout.trim()).not.toBe(token);
    expect(a.stdout).not.toContain(secret);
  });

  it("without ACTION_HUB_SECRET: one line, exit 2", async () => {
    const r = await tagwire(["token"], { env: { ACTION_HUB_SECRET: undefined } });
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toContain("ACTION_HUB_SECRET is not set");
  });
});
