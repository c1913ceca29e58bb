import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { AuditVerifyResult, CreatedRelay, CreatedToken } from "../../schema/api";
import { AuditPage, type AuditEntryView } from "../../schema/audit-api";
import { appendAudit } from "../../worker/core/audit-append";
import { badSpecYaml, seedYaml } from "./fixtures";
import { call, jsonBody, mintToken, uniqueName, yamlBody } from "./helpers";

async function page(query = ""): Promise<AuditPage> {
  const res = await call("GET", `/v1/audit${query}`);
  expect(res.status, res.text).toBe(200);
  return AuditPage.parse(res.json);
}

async function newest(): Promise<AuditEntryView> {
  const entry = (await page("?limit=1")).entries[0];
  if (!entry) throw new Error("the audit log is empty");
  return entry;
}

async function verify(): Promise<AuditVerifyResult> {
  const res = await call("GET", "/v1/audit/verify");
  expect(res.status, res.text).toBe(200);
  return AuditVerifyResult.parse(res.json);
}

describe("every mutating call is audited", () => {
  it("records actor, action, target and outcome for clusters", async () => {
    const operator = await mintToken("operator");
    const name = uniqueName("audited");
    expect((await call("POST", "/v1/clusters?site=dc1", { token: operator.token, ...yamlBody(seedYaml(name)) })).status).toBe(201);
    expect(await newest()).toMatchObject({ actor: `token:${operator.id}`, action: "cluster.create", cluster: name, target: name, outcome: "ok", details: { site: "dc1", revision: 1 } });

    const changed = seedYaml(name).replace("1.21.2+k0s.1", "1.22.1+k0s.0");
    expect((await call("PUT", `/v1/clusters/${name}`, { token: operator.token, ...yamlBody(changed) })).status).toBe(200);
    expect(await newest()).toMatchObject({ actor: `token:${operator.id}`, action: "cluster.update", cluster: name, outcome: "ok", details: { revision: 2 } });

    expect((await call("POST", "/v1/clusters", yamlBody(seedYaml(name)))).status).toBe(409);
    expect(await newest()).toMatchObject({ actor: "bootstrap", action: "cluster.create", outcome: "failed", details: { status: 409, code: "conflict" } });

    expect((await call("DELETE", `/v1/clusters/${name}`)).status).toBe(200);
    expect(await newest()).toMatchObject({ actor: "bootstrap", action: "cluster.delete", cluster: name, outcome: "ok" });
  });

  it("records an invalid spec as failed with the error count, not the body", async () => {
    const name = uniqueName("rejected");
    const res = await call("POST", "/v1/clusters", yamlBody(badSpecYaml(name)));
    expect(res.status).toBe(422);
    const entry = await newest();
    expect(entry).toMatchObject({ actor: "bootstrap", action: "cluster.create", outcome: "failed", details: { status: 422, code: "invalid_spec" } });
    expect(entry.details?.errors).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(entry)).not.toContain("10.0.0.11");
  });

  it("records tokens and relays without their secrets", async () => {
    const created = CreatedToken.parse((await call("POST", "/v1/tokens", jsonBody({ name: "audited-token", role: "viewer" }))).json);
    expect(await newest()).toMatchObject({ actor: "bootstrap", action: "token.create", target: created.id, outcome: "ok", details: { name: "audited-token", role: "viewer" } });
    expect((await call("DELETE", `/v1/tokens/${created.id}`)).status).toBe(200);
    expect(await newest()).toMatchObject({ action: "token.revoke", target: created.id, outcome: "ok" });

    const relay = CreatedRelay.parse((await call("POST", "/v1/relays", jsonBody({ name: "audited-relay", site: "dc1" }))).json);
    expect(await newest()).toMatchObject({ action: "relay.create", target: "audited-relay", outcome: "ok", details: { site: "dc1" } });
    expect((await call("DELETE", "/v1/relays/audited-relay")).status).toBe(200);
    expect(await newest()).toMatchObject({ action: "relay.revoke", target: "audited-relay", outcome: "ok" });

    const log = JSON.stringify((await env.DB.prepare("SELECT * FROM audit_log").all()).results);
    expect(log).not.toContain(created.token);
    expect(log).not.toContain(relay.token);
  });
});

describe("GET /v1/audit", () => {
  it("pages newest first, filtered by cluster", async () => {
    const name = uniqueName("paged");
    for (let i = 0; i < 5; i++) await appendAudit(env.DB, { actor: "cron", action: `test.step${i}`, cluster: name, outcome: "ok" });
    await appendAudit(env.DB, { actor: "cron", action: "test.other", cluster: "other-cluster", outcome: "ok" });

    const first = await page(`?cluster=${name}&limit=2`);
    expect(first.entries.map((e) => e.action)).toEqual(["test.step4", "test.step3"]);
    const second = await page(`?cluster=${name}&limit=2&cursor=${first.nextCursor}`);
    expect(second.entries.map((e) => e.action)).toEqual(["test.step2", "test.step1"]);
    const last = await page(`?cluster=${name}&limit=2&cursor=${second.nextCursor}`);
    expect(last.entries.map((e) => e.action)).toEqual(["test.step0"]);
    expect(last.nextCursor).toBeNull();

    const all = await page("?limit=500");
    const seqs = all.entries.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect((await page()).entries.length).toBeLessThanOrEqual(50);
  });

  it("validates the query, naming the field", async () => {
    for (const [query, field] of [["?limit=0", "limit"], ["?limit=501", "limit"], ["?cursor=x", "cursor"], ["?cluster=Bad_Name", "cluster"]] as const) {
      const res = await call("GET", `/v1/audit${query}`);
      expect(res.status, query).toBe(400);
      expect(AuditPage.safeParse(res.json).success).toBe(false);
      expect(res.text).toContain(`"path":"${field}"`);
    }
  });
});

describe("the hash chain", () => {
  it("verifies, and stays linear under concurrent writers", async () => {
    await Promise.all(Array.from({ length: 12 }, (_, i) => appendAudit(env.DB, { actor: "cron", action: "test.concurrent", target: String(i), outcome: "ok", details: { i } })));
    const result = await verify();
    expect(result.ok).toBe(true);
    const { results } = await env.DB.prepare("SELECT seq FROM audit_log ORDER BY seq").all<{ seq: number }>();
    expect(results.map((r) => r.seq)).toEqual(results.map((_, i) => i + 1));
    if (result.ok) expect(result.head?.seq).toBe(results.length);
    const concurrent = await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'test.concurrent'").first<{ n: number }>();
    expect(concurrent?.n).toBe(12);
  });

  it("is append-only in the database itself", async () => {
    await expect(env.DB.prepare("UPDATE audit_log SET outcome = 'ok' WHERE seq = 1").run()).rejects.toThrow(/append-only/);
    await expect(env.DB.prepare("DELETE FROM audit_log WHERE seq = 1").run()).rejects.toThrow(/append-only/);
  });
});
