import { describe, expect, it } from "vitest";
import { answerText, RequestValues, withoutRequestValues } from "../../src/deliver/answer-text.js";

describe("withoutRequestValues", () => {
  const request = JSON.stringify({ api_key: "key-in-the-body-123", events: [{ user_id: "alice@example.com", event_properties: { plan: "Gold \"Plus\"", ltv: 12345 } }] });

  it("replaces every value the request carried, keys and the API's own words stay", () => {
    const answer = `invalid event {"user_id":"alice@example.com","event_properties":{"plan":"Gold \\"Plus\\"","ltv":12345}} for api_key key-in-the-body-123`;
    const out = withoutRequestValues(answer, request);
    for (const value of ["alice@example.com", "Gold", "12345", "key-in-the-body-123"]) expect(out).not.toContain(value);
    expect(out).toContain("invalid event");
    expect(out).toContain('"user_id":"…"');
    expect(out).toContain("api_key");
  });

  it("takes the request as bytes too; an answer with none of its values is unchanged", () => {
    expect(withoutRequestValues("Required field event_type is missing", Buffer.from(request))).toBe("Required field event_type is missing");
    expect(withoutRequestValues("user alice@example.com refused", new TextEncoder().encode(request))).toBe("user … refused");
  });

  it("a request that is not JSON leaves the answer as it is, but for the credentials", () => {
    expect(withoutRequestValues("bad alice", "not json")).toBe("bad alice");
    expect(withoutRequestValues("bad alice with key-in-a-header-42", new RequestValues("not json", ["key-in-a-header-42"]))).toBe("bad alice with …");
  });

  it("finds a value URL-encoded (%40 in either case, + or %20 for a space), as HTML references, JSON-escaped or in base64", () => {
    const sent = JSON.stringify({ email: "alice+1@example.com", name: "Alice B. Cooper", key: "s3cr=t/key" });
    const forms = [
      "alice%2B1%40example.com",
      "alice%2b1%40EXAMPLE.com",
      "Alice+B.+Cooper",
      "Alice%20B.%20Cooper",
      "alice+1&#64;example&#46;com",
      "alice+1&#x40;example&period;com",
      "alice+1&commat;example.com",
      "alice+1\\u0040example.com",
      "alice%252B1%2540example.com",
      "alice+1&amp;#64;example.com",
      "ALICE+1@EXAMPLE.COM",
      Buffer.from("s3cr=t/key").toString("base64"),
      Buffer.from("s3cr=t/key").toString("base64url"),
    ];
    for (const form of forms) expect(withoutRequestValues(`refused (${form}) here`, sent), form).toBe("refused (…) here");
  });

  it("base64 keeps its case: a differently cased base64 text is another value", () => {
    const sent = JSON.stringify({ name: "Alice B. Cooper" });
    const encoded = Buffer.from("Alice B. Cooper").toString("base64");
    expect(withoutRequestValues(`x ${encoded.toLowerCase()} y`, sent)).toBe(`x ${encoded.toLowerCase()} y`);
  });

  it("answerText reads the start of a long text: a value or an escape the cut runs through leaves nothing of itself", () => {
    const request = new RequestValues(JSON.stringify({ email: "alice@example.com" }));
    // 1,200 characters end in `alice@ex`, and in `alice%4` once URL-encoded.
    expect(answerText(`bad ${"alice@example.com ".repeat(100)}`, request)).toMatch(/^bad (… ){66}…\.\.\.$/);
    expect(answerText(`${"x".repeat(13)}${"alice%40example.com ".repeat(100)}`, request)).toMatch(/^x{13}(… ){59}…\.\.\.$/);
    expect(answerText("short", request)).toBe("short");
    expect(answerText(`${"word ".repeat(100)}alice@example.com`, request)).toBe(`${"word ".repeat(60).slice(0, 297)}...`);
  });
});
