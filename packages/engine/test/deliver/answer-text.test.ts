import { describe, expect, it } from "vitest";
import { withoutRequestValues } from "../../src/deliver/answer-text.js";

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

  it("a request that is not JSON leaves the answer as it is", () => {
    expect(withoutRequestValues("bad alice", "not json")).toBe("bad alice");
  });
});
