import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { DeniedRequestsPage } from "../../schema/api";
import { seedYaml } from "./fixtures";
import { call, mintToken, yamlBody } from "./helpers";

async function auditCount(): Promise<number> {
  return (await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_log").first<{ n: number }>())?.n ?? 0;
}

let viewer = "";
beforeAll(async () => {
  viewer = (await mintToken("viewer")).token;
  expect((await call("POST", "/v1/clusters", yamlBody(seedYaml("denied-target")))).status).toBe(201);
});

describe("requests without a valid credential (F2)", () => {
  it("are counted per route, reason and minute, not appended to the audit chain one by one", async () => {
    const before = await auditCount();
    const sent = await Promise.all([
      ...Array.from({ length: 30 }, () => call("POST", "/v1/clusters/denied-target/apply", { token: null })),
      ...Array.from({ length: 10 }, () => call("POST", "/v1/clusters/denied-target/apply", { token: "keel_api_guessed" })),
    ]);
    expect(sent.every((r) => r.status === 401)).toBe(true);
    expect(await auditCount()).toBe(before);

    const rows = await env.DB.prepare("SELECT reason, SUM(count) AS n, COUNT(*) AS rows FROM denied_requests WHERE route = 'POST /v1/clusters/:name/apply' GROUP BY reason").all<{
      reason: string;
      n: number;
      rows: number;
    }>();
    const byReason = Object.fromEntries(rows.results.map((r) => [r.reason, r]));
    expect(byReason["missing token"]?.n).toBe(30);
    expect(byReason["unknown, revoked or expired token"]?.n).toBe(10);
    // One row per minute window at most (the burst may straddle a minute).
    for (const r of rows.results) expect(r.rows).toBeLessThanOrEqual(2);
  });

  it("store bounded strings however long the path", async () => {
    const longName = "a".repeat(60_000);
    expect((await call("DELETE", `/v1/clusters/${longName}`, { token: null })).status).toBe(401);
    const row = await env.DB.prepare("SELECT route, sample_path FROM denied_requests WHERE route = 'DELETE /v1/clusters/:name'").first<{ route: string; sample_path: string }>();
    expect(row?.sample_path.length).toBeLessThanOrEqual(256);
    const biggest = await env.DB.prepare("SELECT MAX(LENGTH(sample_path) + LENGTH(route) + LENGTH(reason) + IFNULL(LENGTH(sample_client), 0)) AS n FROM denied_requests").first<{ n: number }>();
    expect(biggest?.n).toBeLessThan(1024);
  });

  it("are readable by admins as counts with a sample", async () => {
    const res = await call("GET", "/v1/audit/denied");
    expect(res.status, res.text).toBe(200);
    const page = DeniedRequestsPage.parse(res.json);
    const apply = page.windows.filter((w) => w.route === "POST /v1/clusters/:name/apply");
    expect(apply.reduce((n, w) => n + w.count, 0)).toBe(40);
    expect(apply[0]?.samplePath).toBe("/v1/clusters/denied-target/apply");
    expect((await call("GET", "/v1/audit/denied", { token: viewer })).status).toBe(403);
  });
});

describe("a denied request with a token (403)", () => {
  it("is audited, but a path param that is not a valid name is not stored as one", async () => {
    const longName = `Bad_${"x".repeat(5_000)}`;
    expect((await call("DELETE", `/v1/clusters/${longName}`, { token: viewer })).status).toBe(403);
    const row = await env.DB.prepare("SELECT cluster, target, details FROM audit_log ORDER BY seq DESC LIMIT 1").first<{ cluster: string | null; target: string | null; details: string }>();
    expect(row?.cluster).toBeNull();
    expect(row?.target).toBeNull();
    expect(row?.details.length).toBeLessThan(1024);
  });
});
