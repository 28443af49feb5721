import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { INLINE, readExecuteBody } from "../src/looker/execute-body.js";
import { BadRequest } from "../src/looker/execute-request.js";
import { BodyTooLarge } from "../src/http-io.js";

/** The body in chunks of `size` bytes, as a socket might deliver it. */
async function* chunked(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function lookText(look: AsyncIterable<Uint8Array> | undefined): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const p of look ?? []) parts.push(p);
  return Buffer.concat(parts).toString("utf8");
}

const look = { fields: { dimensions: [{ name: "users.name", tags: ["email"] }], measures: [], table_calculations: [], pivots: [] }, data: [{ "users.name": { value: 'A "quoted" \\ back\\slash, tab\t, é, 😀 and \u0001' } }, { "users.name": { value: "BIG" } }] };
/** The second row's value is a JSON number above 2^53, which no JS number can hold exactly. */
const lookJson = JSON.stringify(look).replace('"BIG"', "9007199254740993");
const envelope = { type: "query", data: { apiKey: "k" }, form_params: { a: "b" }, scheduled_plan: { scheduled_plan_id: 1 } };

describe("readExecuteBody", () => {
  it.each([1, 2, 3, 5, 7, 64, 100_000])("a string attachment, settings first, in %i-byte chunks: the Look's own bytes, streamed", async (size) => {
    const text = JSON.stringify({ ...envelope, attachment: { mimetype: "application/json", data: lookJson } });
    const body = await readExecuteBody(chunked(text, size), 1e9);
    expect(body.envelope["data"]).toEqual({ apiKey: "k" });
    expect(body.envelope["attachment"]).toEqual({ mimetype: "application/json", data: INLINE });
    expect(await lookText(body.look)).toBe(lookJson);
    await expect(body.received).resolves.toBeUndefined();
  });

  it.each([1, 3, 64])("an object attachment in %i-byte chunks: its bytes as sent, so a 2^53+1 id stays exact", async (size) => {
    const text = `{"type":"query","data":{"apiKey":"k"},"form_params":{},"scheduled_plan":{},"attachment":{"extension":"json","data":${lookJson},"mimetype":"application/json"},"state":{}}`;
    const body = await readExecuteBody(chunked(text, size), 1e9);
    const got = await lookText(body.look);
    expect(got).toBe(lookJson);
    expect(got).toContain("9007199254740993");
    // The members after a streamed Look are read (the body must be valid JSON to its end) and left out.
    await body.received;
    expect(body.envelope["attachment"]).toEqual({ extension: "json", data: INLINE });
    expect(body.envelope["state"]).toBeUndefined();
  });

  it("a Look before the settings waits in a file, which is removed once read", async () => {
    const before = (await readdir(tmpdir())).filter((f) => f.startsWith("tagwire-look-")).length;
    const text = JSON.stringify({ attachment: { data: lookJson }, ...envelope });
    const body = await readExecuteBody(chunked(text, 13), 1e9);
    expect(body.envelope["form_params"]).toEqual({ a: "b" });
    expect((await readdir(tmpdir())).filter((f) => f.startsWith("tagwire-look-")).length).toBe(before + 1);
    expect(await lookText(body.look)).toBe(lookJson);
    expect((await readdir(tmpdir())).filter((f) => f.startsWith("tagwire-look-")).length).toBe(before);
  });

  it("a download_url body has no Look of its own", async () => {
    const body = await readExecuteBody(chunked(JSON.stringify({ ...envelope, scheduled_plan: { download_url: "https://x/y" } }), 4), 1e9);
    expect(body.look).toBeUndefined();
    expect(body.envelope["scheduled_plan"]).toEqual({ download_url: "https://x/y" });
  });

  it("malformed bodies are refused with the byte where they break; a non-object says what is expected", async () => {
    const refused = async (text: string) => {
      try {
        const body = await readExecuteBody(chunked(text, 3), 1e9);
        await lookText(body.look);
      } catch (e) {
        expect(e).toBeInstanceOf(BadRequest);
        return (e as Error).message;
      }
      throw new Error(`accepted: ${text}`);
    };
    expect(await refused("[]")).toBe("The execute request body must be a JSON object.");
    expect(await refused("null")).toBe("The execute request body must be a JSON object.");
    expect(await refused('{"data": {"apiKey": ')).toMatch(/^The request body is not valid JSON: /);
    expect(await refused('{"data" {}}')).toBe("The request body is not valid JSON: expected ':' at byte 8.");
    expect(await refused(`{"data":{},"form_params":{},"scheduled_plan":{},"attachment":{"data":"\\q"}}`)).toMatch(/`\\q` is not an escape/);
  });

  it("a body over the limit stops with BodyTooLarge, in the envelope or in a streamed Look", async () => {
    await expect(readExecuteBody(chunked(JSON.stringify({ data: { k: "x".repeat(500) } }), 64), 256)).rejects.toBeInstanceOf(BodyTooLarge);
    const text = JSON.stringify({ ...envelope, attachment: { data: lookJson.repeat(20) } });
    const body = await readExecuteBody(chunked(text, 64), 512);
    await expect(lookText(body.look)).rejects.toBeInstanceOf(BodyTooLarge);
    await expect(body.received).rejects.toBeInstanceOf(BodyTooLarge);
  });

  it("a member named __proto__ stays data", async () => {
    const body = await readExecuteBody(chunked('{"__proto__":{"polluted":true},"data":{}}', 5), 1e9);
    expect(Object.hasOwn(body.envelope, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    expect(existsSync("/nonexistent")).toBe(false);
  });
});
