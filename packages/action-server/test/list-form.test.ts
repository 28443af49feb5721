import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./support.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const MP_IDENTITY_TAGS = ["mp_customer_id", "mp_email", "mp_facebook", "mp_google", "mp_microsoft", "mp_twitter", "mp_yahoo", "mp_other", "mp_other2", "mp_other3", "mp_other4"];

describe("POST / (list)", () => {
  it("lists one integration per manifest action, with the hub label", async () => {
    const res = await h.post("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.json.label).toBe("tagwire");
    expect(res.json.integrations.map((i: any) => i.name)).toEqual(["amplitude", "braze", "mparticle", "segment_event", "segment_track", "segment_group"]);
  });

  it("gives every integration the fields Looker reads", async () => {
    const { json } = await h.post("/");
    for (const i of json.integrations) {
      expect(i).toMatchObject({
        url: `https://tagwire.example.com/actions/${i.name}/execute`,
        form_url: `https://tagwire.example.com/actions/${i.name}/form`,
        supported_action_types: ["query"],
        supported_formats: ["json_detail_lite_stream", "json_detail"],
        supported_formattings: ["unformatted"],
        supported_visualization_formattings: ["noapply"],
        supported_download_settings: ["url"],
        uses_oauth: false,
      });
      expect(typeof i.label).toBe("string");
      expect(i.label.length).toBeGreaterThan(0);
      expect(typeof i.description).toBe("string");
      expect(i.description.length).toBeGreaterThan(0);
      expect(i.icon_data_uri).toMatch(/^data:image\/svg\+xml;base64,/);
      expect(Array.isArray(i.params)).toBe(true);
      expect(i.required_fields.length).toBeGreaterThan(0);
    }
  });

  it("mparticle: params apiKey/apiSecret (sensitive, required) and pod (not sensitive, optional)", async () => {
    const { json } = await h.post("/");
    const mp = json.integrations.find((i: any) => i.name === "mparticle");
    expect(mp.label).toBe("mParticle");
    const params = Object.fromEntries(mp.params.map((p: any) => [p.name, p]));
    expect(Object.keys(params)).toEqual(["apiKey", "apiSecret", "pod"]);
    expect(params.apiKey).toMatchObject({ label: "API Key", required: true, sensitive: true });
    expect(params.apiSecret).toMatchObject({ label: "API Secret", required: true, sensitive: true });
    expect(params.pod).toMatchObject({ required: false, sensitive: false });
    for (const p of mp.params) expect(typeof p.description).toBe("string");
  });

  it("mparticle: required_fields is one any_tag with all 11 mp_* identity tags", async () => {
    const { json } = await h.post("/");
    const mp = json.integrations.find((i: any) => i.name === "mparticle");
    expect(mp.required_fields).toHaveLength(1);
    expect(Object.keys(mp.required_fields[0])).toEqual(["any_tag"]);
    expect([...mp.required_fields[0].any_tag].sort()).toEqual([...MP_IDENTITY_TAGS].sort());
  });

  it("segment actions: param segment_write_key and the Looker Segment tags", async () => {
    const { json } = await h.post("/");
    const byName = Object.fromEntries(json.integrations.map((i: any) => [i.name, i]));
    expect(byName.segment_event.label).toBe("Segment Identify");
    expect(byName.segment_track.label).toBe("Segment Track");
    expect(byName.segment_group.label).toBe("Segment Group");
    for (const name of ["segment_event", "segment_track", "segment_group"]) {
      const i = byName[name];
      expect(i.params).toEqual([expect.objectContaining({ name: "segment_write_key", required: true, sensitive: true })]);
      expect(i.required_fields[0].any_tag.sort()).toEqual(["email", "segment_anonymous_id", "user_id"]);
    }
    expect(byName.segment_event.required_fields).toHaveLength(1);
    expect(byName.segment_track.required_fields).toHaveLength(1);
    // A group call also needs the group id: a second entry, so Looker requires both.
    expect(byName.segment_group.required_fields).toHaveLength(2);
    expect(byName.segment_group.required_fields[1]).toEqual({ any_tag: ["segment_group_id"] });
  });

  it("accepts Looker's empty list body and a missing Content-Type", async () => {
    const res = await h.post("/", undefined, { headers: { "content-type": "" } });
    expect(res.status).toBe(200);
    expect(res.json.integrations).toHaveLength(6);
  });

  it("builds URLs from the configured base URL, path included", async () => {
    const other = await startHarness({ baseUrl: "http://hub.internal:8080/tagwire" });
    try {
      const { json } = await other.post("/");
      const mp = json.integrations.find((i: any) => i.name === "mparticle");
      expect(mp.url).toBe("http://hub.internal:8080/tagwire/actions/mparticle/execute");
      expect(mp.form_url).toBe("http://hub.internal:8080/tagwire/actions/mparticle/form");
    } finally {
      await other.close();
    }
  });
});

describe("POST /actions/<id>/form", () => {
  it("mparticle asks data_type and environment as selects with defaults, then a sync's choices", async () => {
    const res = await h.post("/actions/mparticle/form", {});
    expect(res.status).toBe(200);
    expect(res.json).toEqual([
      {
        name: "data_type",
        label: "Data Type",
        description: expect.any(String),
        type: "select",
        required: true,
        default: "user_data",
        options: [
          { name: "user_data", label: "User Profiles" },
          { name: "event_data", label: "Events" },
        ],
      },
      {
        name: "environment",
        label: "Environment",
        description: expect.any(String),
        type: "select",
        required: true,
        default: "production",
        options: [
          { name: "production", label: "Production" },
          { name: "development", label: "Development" },
        ],
      },
      {
        name: "rows",
        label: "Rows to send",
        description: expect.any(String),
        type: "select",
        required: false,
        default: "changed",
        options: [
          { name: "changed", label: "Changed rows" },
          { name: "all", label: "All rows" },
        ],
      },
      {
        name: "removed",
        label: "Rows that left the Look",
        description: expect.any(String),
        type: "select",
        required: false,
        default: "ignore",
        options: [
          { name: "ignore", label: "Ignore" },
          { name: "clear", label: "Clear" },
        ],
      },
    ]);
  });

  it("segment_track asks for the event name, required", async () => {
    const res = await h.post("/actions/segment_track/form", {});
    expect(res.status).toBe(200);
    const names = res.json.map((f: any) => f.name);
    expect(names).toEqual(["event", "region", "trait_names", "rows", "removed"]);
    expect(res.json[0]).toMatchObject({ name: "event", label: "Event", type: "text", required: true });
    expect(res.json[0].options).toBeUndefined();
  });

  it("segment_event and segment_group do not ask for an event or the call", async () => {
    for (const action of ["segment_event", "segment_group"]) {
      const res = await h.post(`/actions/${action}/form`, {});
      expect(res.status).toBe(200);
      const names = res.json.map((f: any) => f.name);
      expect(names).toEqual(["region", "trait_names", "rows", "removed"]);
      expect(res.json[0]).toMatchObject({ type: "select", default: "US", required: true });
    }
  });

  it("accepts a trailing slash on the action path", async () => {
    const res = await h.post("/actions/mparticle/form/", {});
    expect(res.status).toBe(200);
    expect(res.json).toHaveLength(4);
  });
});
