// What a batch's outcome keeps of the destination's answer: only the fields the manifest declares
// safe to show, without anything the request carried, in whatever encoding the answer quotes it.
// The transport is a stub answering from the request it was sent; the answer rules are declared
// here as a manifest would declare them.

import * as Effect from "effect/Effect";
import { describe, expect, it } from "vitest";
import type { Batch } from "../../src/batch/batcher.js";
import { answerRules } from "../../src/deliver/answers.js";
import { defaultRetryPolicy } from "../../src/deliver/retry.js";
import { sendBatch, type BatchOutcome, type Endpoint } from "../../src/deliver/send-batch.js";
import type { AttemptResult, Transport } from "../../src/deliver/transport.js";

const EMAILS = ["ty@example.com", "ann.lee+news@example.org"];
const NAMES = ["Ty Quentin Lee", "Ann Lee-Smith"];
const TOKEN = "canary-token-5f0c2e91";
const request = JSON.stringify({ attributes: EMAILS.map((email, i) => ({ external_id: `user-${1000 + i}`, email, name: NAMES[i], plan: "gold" })) });

const batch: Batch = { rows: [1, 2], count: 2, bytes: request.length, body: () => request, without: () => undefined, release: () => undefined };
const counters = { onAttempt: () => undefined, onRetry: () => undefined };
const policy = { ...defaultRetryPolicy, maxRetries: 0, baseDelayMs: 1, maxDelayMs: 5 };

const endpoint = (declared: { errorFields?: string[]; refusals?: "success" | "client-error" } = {}): Endpoint => ({
  url: "http://127.0.0.1:1/users/track",
  headers: { authorization: `Bearer ${TOKEN}` },
  credentials: [TOKEN, `Bearer ${TOKEN}`],
  answers: answerRules({
    envelope: { itemsKey: "attributes" },
    ...(declared.errorFields !== undefined ? { errorFields: declared.errorFields } : {}),
    ...(declared.refusals !== undefined
      ? { refusedRecords: { answer: declared.refusals, lists: [{ key: "errors", names: "objects", indexField: "index", messageField: "type", arrayField: "input_array", refuses: "any" }] } }
      : {}),
  }),
});

/** Answers every request with `answer(the request's text, its headers)`. */
function answering(answer: (sent: string, headers: Readonly<Record<string, string>>) => { status: number; type?: string; body: string }): Transport {
  return {
    async post(_url, body, headers): Promise<AttemptResult> {
      const a = answer(String(body), headers);
      return { kind: "response", status: a.status, headers: a.type === undefined ? {} : { "content-type": a.type }, body: a.body };
    },
    close: () => undefined,
  };
}

const send = (transport: Transport, e: Endpoint = endpoint()): Promise<BatchOutcome> => Effect.runPromise(sendBatch(batch, e, transport, policy, counters));

/** Every form the canaries could take in a text: as sent, and each piece of an email. */
function expectNoCanary(text: string): void {
  for (const email of EMAILS) {
    expect(text.toLowerCase()).not.toContain(email.toLowerCase());
    expect(text.toLowerCase()).not.toContain(encodeURIComponent(email).toLowerCase());
  }
  expect(text).not.toContain("example.com");
  expect(text).not.toContain("example.org");
  expect(text.toLowerCase()).not.toMatch(/quentin|lee-smith/);
  expect(text).not.toContain(TOKEN);
}

const reasonOf = (outcome: BatchOutcome): string => {
  expect(outcome.ok).toBe(false);
  return outcome.ok ? "" : outcome.reason;
};

const htmlEntities = (text: string) => text.replace(/[@.&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

describe("an error answer that quotes the request", () => {
  it("a 400 echoing the request URL-encoded as text/plain is not quoted: its status, type and size only", async () => {
    let answered = "";
    const outcome = await send(answering((sent) => ({ status: 400, type: "text/plain; charset=utf-8", body: (answered = `could not parse body=${encodeURIComponent(sent)}`) })));
    const reason = reasonOf(outcome);
    expect(reason).toBe("HTTP 400, a text/plain answer (not shown)");
    expectNoCanary(reason);
  });

  it("a 400 echoing the request in HTML with character references is not quoted", async () => {
    const outcome = await send(answering((sent) => ({ status: 400, type: "text/html", body: `<html><body><h1>Bad Request</h1><pre>${htmlEntities(sent)}</pre></body></html>` })));
    const reason = reasonOf(outcome);
    expect(reason).toMatch(/^HTTP 400, a text\/html answer \(not shown\)$/);
    expectNoCanary(reason);
  });

  it("a retried 503 without a content type is described the same way", async () => {
    const outcome = await send(answering((sent) => ({ status: 503, body: `upstream said: ${sent.replace(/@/g, "%40")}` })));
    expect(reasonOf(outcome)).toMatch(/^HTTP 503, an answer \(not shown\)$/);
  });

  it("JSON without the declared fields is not quoted either", async () => {
    const outcome = await send(answering((sent) => ({ status: 422, type: "application/json", body: JSON.stringify({ detail: `bad request ${sent}` }) })), endpoint({ errorFields: ["message"] }));
    expect(reasonOf(outcome)).toMatch(/^HTTP 422, an application\/json answer \(not shown\)$/);
  });

  it("a declared field quoting the request in any encoding is shown without the request's values or the credential", async () => {
    const echo = (headers: Readonly<Record<string, string>>) =>
      [
        `plain ${EMAILS[0]}`,
        `url ${encodeURIComponent(EMAILS[1]!)}`,
        `lower-hex ${encodeURIComponent(EMAILS[1]!).toLowerCase()}`,
        `form ${new URLSearchParams({ e: EMAILS[1]!, n: NAMES[0]! }).toString()}`,
        `html ${htmlEntities(EMAILS[0]!)}`,
        `hex ty&#x40;example&#X2E;com`,
        `upper ${EMAILS[0]!.toUpperCase()}`,
        `base64 ${Buffer.from(EMAILS[0]!).toString("base64")}`,
        `json-escaped ${JSON.stringify(JSON.stringify({ name: NAMES[1] }))}`,
        `auth ${headers["authorization"]}`,
      ].join(" | ");
    const outcome = await send(answering((_sent, headers) => ({ status: 400, type: "application/json", body: JSON.stringify({ code: 400, message: echo(headers) }) })), endpoint({ errorFields: ["message"] }));
    const reason = reasonOf(outcome);
    expect(reason).toBe(
      'HTTP 400: plain … | url … | lower-hex … | form e=…&n=… | html … | hex … | upper … | base64 … | json-escaped "{\\"name\\":\\"…\\"}" | auth …',
    );
    expectNoCanary(reason);
  });

  it("a declared field quoting the whole request in base64 keeps none of its values", async () => {
    const outcome = await send(answering((sent) => ({ status: 400, type: "application/json", body: JSON.stringify({ message: `got ${Buffer.from(sent).toString("base64")}` }) })), endpoint({ errorFields: ["message"] }));
    const reason = reasonOf(outcome);
    expect(reason).toContain("…");
    // What is left of the base64 text, decoded from each of the four positions a group can start at.
    for (const run of reason.match(/[A-Za-z0-9+/=]{4,}/g) ?? []) {
      for (let shift = 0; shift < 4; shift++) {
        const piece = run.slice(shift, shift + Math.floor((run.length - shift) / 4) * 4);
        expectNoCanary(Buffer.from(piece, "base64").toString("latin1"));
      }
    }
  });

  it("a declared field without request values is shown as the API wrote it, each declared field once", async () => {
    const body = { errors: [{ code: "BAD_REQUEST", message: "malformed JSON" }, { code: "BAD_REQUEST", message: "malformed JSON" }], message: "request refused" };
    const outcome = await send(answering(() => ({ status: 400, type: "application/json", body: JSON.stringify(body) })), endpoint({ errorFields: ["errors[].code", "errors[].message", "message"] }));
    expect(reasonOf(outcome)).toBe("HTTP 400: BAD_REQUEST; malformed JSON; request refused");
  });

  it("an empty error answer is its status alone", async () => {
    expect(reasonOf(await send(answering(() => ({ status: 400, body: "" }))))).toBe("HTTP 400");
  });
});

describe("records refused inside an answer", () => {
  it("a 2xx answer's per-record message quoting a row value has the value taken out", async () => {
    const outcome = await send(
      answering((sent) => {
        const sentRecords = (JSON.parse(sent) as { attributes: Array<{ email: string }> }).attributes;
        return { status: 201, type: "application/json", body: JSON.stringify({ message: "success", errors: [{ type: `'email' is invalid: ${sentRecords[0]!.email}`, input_array: "attributes", index: 0 }] }) };
      }),
      endpoint({ refusals: "success" }),
    );
    expect(outcome).toEqual({ ok: true, status: 201, othersTaken: true, refused: [{ index: 0, message: "'email' is invalid: …", list: "errors" }] });
  });

  it("a 4xx answer's per-record messages lose the request's values in every encoding, the credential too", async () => {
    const outcome = await send(
      answering((_sent, headers) => ({
        status: 400,
        type: "application/json",
        body: JSON.stringify({
          errors: [
            { type: `'email' is invalid: ${encodeURIComponent(EMAILS[0]!)}`, input_array: "attributes", index: 0 },
            { type: `'email' is invalid: ${htmlEntities(EMAILS[1]!)} (${headers["authorization"]})`, input_array: "attributes", index: 1 },
          ],
        }),
      })),
      endpoint({ refusals: "client-error" }),
    );
    expect(outcome).toEqual({
      ok: true,
      status: 400,
      othersTaken: false,
      refused: [
        { index: 0, message: "'email' is invalid: …", list: "errors" },
        { index: 1, message: "'email' is invalid: … (…)", list: "errors" },
      ],
    });
  });

  it("a per-record message without request values is kept as the API wrote it", async () => {
    const outcome = await send(
      answering(() => ({ status: 201, type: "application/json", body: JSON.stringify({ message: "success", errors: [{ type: "'email' is not a valid address", input_array: "attributes", index: 1 }] }) })),
      endpoint({ refusals: "success" }),
    );
    expect(outcome).toEqual({ ok: true, status: 201, othersTaken: true, refused: [{ index: 1, message: "'email' is not a valid address", list: "errors" }] });
  });
});
