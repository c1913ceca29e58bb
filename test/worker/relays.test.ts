import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CreatedRelay, RelayListResponse, RelayResponse } from "../../schema/api";
import { sha256Hex } from "../../worker/core/secrets";
import { call, dumpDatabase, errorOf, jsonBody } from "./helpers";

describe("/v1/relays", () => {
  it("registers a relay, showing its token once and storing only the hash", async () => {
    const res = await call("POST", "/v1/relays", jsonBody({ name: "dc1-relay", site: "dc1" }));
    expect(res.status, res.text).toBe(201);
    const created = CreatedRelay.parse(res.json);
    expect(created).toMatchObject({ name: "dc1-relay", site: "dc1" });
    expect(created.token).toMatch(/^keel_relay_/);
    const hash = await sha256Hex(created.token);
    const row = await env.DB.prepare("SELECT token_hash FROM relays WHERE name = 'dc1-relay'").first<{ token_hash: string }>();
    expect(row?.token_hash).toBe(hash);
    expect(await dumpDatabase()).not.toContain(created.token);

    const list = await call("GET", "/v1/relays");
    expect(list.status).toBe(200);
    expect(list.text).not.toContain(hash);
    expect(list.text).not.toContain(created.token);
    const relay = RelayListResponse.parse(list.json).relays.find((r) => r.name === "dc1-relay");
    expect(relay).toEqual({ name: "dc1-relay", site: "dc1", online: false, lastSeenAt: null, version: null, createdAt: expect.any(Number), revokedAt: null });
  });

  it("answers 409 for a name that exists", async () => {
    expect((await call("POST", "/v1/relays", jsonBody({ name: "twin", site: "a" }))).status).toBe(201);
    const again = await call("POST", "/v1/relays", jsonBody({ name: "twin", site: "b" }));
    expect(again.status).toBe(409);
    expect(errorOf(again).code).toBe("conflict");
  });

  it("validates names and sites, naming the field", async () => {
    const res = await call("POST", "/v1/relays", jsonBody({ name: "ok-name", site: "Bad Site" }));
    expect(res.status).toBe(400);
    expect(errorOf(res).details?.map((d) => d.path)).toEqual(["site"]);
    const long = await call("POST", "/v1/relays", jsonBody({ name: "a".repeat(64), site: "x" }));
    expect(errorOf(long).details?.map((d) => d.path)).toEqual(["name"]);
  });

  it("revokes a relay", async () => {
    expect((await call("POST", "/v1/relays", jsonBody({ name: "old-relay", site: "dc1" }))).status).toBe(201);
    const res = await call("DELETE", "/v1/relays/old-relay");
    expect(res.status, res.text).toBe(200);
    expect(RelayResponse.parse(res.json).relay.revokedAt).toBeGreaterThan(0);
    const row = await env.DB.prepare("SELECT revoked_at FROM relays WHERE name = 'old-relay'").first<{ revoked_at: number | null }>();
    expect(row?.revoked_at).toBeGreaterThan(0);
    expect((await call("DELETE", "/v1/relays/never-was")).status).toBe(404);
  });
});
