import { describe, expect, it } from "vitest";
import { settingVariable, upperSnake } from "@tagwire/engine";
import { parseTarget, splitPair } from "../src/flags.js";

describe("settingVariable", () => {
  it.each([
    ["mparticle", "apiKey", "TAGWIRE_MPARTICLE_API_KEY"],
    ["mparticle", "apiSecret", "TAGWIRE_MPARTICLE_API_SECRET"],
    ["segment", "segment_write_key", "TAGWIRE_SEGMENT_SEGMENT_WRITE_KEY"],
    ["my_crm", "oAuthToken2", "TAGWIRE_MY_CRM_O_AUTH_TOKEN2"],
  ])("%s %s -> %s", (id, setting, variable) => {
    expect(settingVariable(id, setting)).toBe(variable);
  });

  it("upper snake case", () => {
    expect(upperSnake("pod")).toBe("POD");
    expect(upperSnake("apiURL")).toBe("API_URL");
  });
});

describe("flag values", () => {
  it("--to", () => {
    expect(parseTarget("mparticle")).toEqual({ connector: "mparticle", downstreams: [] });
    expect(parseTarget("segment:zendesk,totango")).toEqual({ connector: "segment", downstreams: ["zendesk", "totango"] });
    for (const bad of ["", ":x", "segment:", "segment:a,,b", "a:b:c"]) expect(parseTarget(bad)).toBeUndefined();
  });

  it("name=value", () => {
    expect(splitPair("event=a=b")).toEqual(["event", "a=b"]);
    expect(splitPair("event=")).toEqual(["event", ""]);
    expect(splitPair("=x")).toBeUndefined();
    expect(splitPair("x")).toBeUndefined();
  });
});
