import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { WebhookList } from "../../schema/webhook-api";
import { seedYaml } from "./fixtures";
import { call, dumpDatabase, errorOf, uniqueName, yamlBody } from "./helpers";
import { clusterOnSite } from "./cluster-on-site";
import { RelaySocket, healthyResult } from "./relay-socket";
import { controllerAndWorkers, finished, startFacts } from "./run-helpers";
import { createWebhook, deliverGithub, deliverStandard } from "./webhook-fixtures";

async function newCluster(): Promise<string> {
  const name = uniqueName("hooked");
  const res = await call("POST", "/v1/clusters?site=dc1", yamlBody(seedYaml(name)));
  expect(res.status, res.text).toBe(201);
  return name;
}

async function runsBy(actor: string) {
  const rows = await env.DB.prepare("SELECT id, operation, cluster FROM runs WHERE requested_by = ? ORDER BY created_at").bind(actor).all<{ id: string; operation: string; cluster: string }>();
  return rows.results;
}

async function deniedCount(reason: string): Promise<number> {
  const row = await env.DB.prepare("SELECT COALESCE(SUM(count), 0) AS n FROM denied_requests WHERE route = 'POST /v1/hooks/:id' AND reason = ?").bind(reason).first<{ n: number }>();
  return row?.n ?? 0;
}

const body = (n: number) => JSON.stringify({ type: "certs.expiring", timestamp: "2026-12-01T00:00:00Z", data: { n } });

describe("webhook endpoints", () => {
  it("are created with a one-time secret, listed without it, and refuse bad input naming the field", async () => {
    const cluster = await newCluster();
    const hook = await createWebhook({ cluster, action: "certs.renew", scheme: "standard" });
    expect(hook.id).toMatch(/^wh_[0-9a-f]{32}$/);
    expect(hook.url).toBe(`https://keel.test/v1/hooks/${hook.id}`);
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

    const list = await call("GET", "/v1/webhooks");
    expect(list.status).toBe(200);
    const listed = WebhookList.parse(list.json).webhooks.find((w) => w.id === hook.id);
    expect(listed).toMatchObject({ cluster, action: "certs.renew", scheme: "standard", revision: null, createdBy: "bootstrap" });
    expect(list.text).not.toContain(hook.secret);
    expect(list.text).not.toContain("secret");

    const bad = async (b: Record<string, unknown>, path: string, status = 400) => {
      const res = await call("POST", "/v1/webhooks", { body: JSON.stringify(b), contentType: "application/json" });
      expect(res.status, res.text).toBe(status);
      if (status === 400) expect(errorOf(res).details?.map((d) => d.path)).toContain(path);
    };
    await bad({ cluster, action: "reset", scheme: "standard" }, "action");
    await bad({ cluster, action: "backup", scheme: "svix" }, "scheme");
    await bad({ cluster, action: "backup", scheme: "standard", revision: 1 }, "revision");
    await bad({ cluster, action: "apply", scheme: "standard", revision: 99 }, "revision");
    await bad({ cluster: "absent-cluster", action: "backup", scheme: "standard" }, "cluster", 404);
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM webhooks WHERE cluster = ?").bind(cluster).first<{ n: number }>();
    expect(rows?.n).toBe(1);
  });

  it("never store the secret in plaintext, nor log it in the audit", async () => {
    const cluster = await newCluster();
    const standard = await createWebhook({ cluster, action: "backup", scheme: "standard" });
    const github = await createWebhook({ cluster, action: "backup", scheme: "github" });
    const dump = await dumpDatabase();
    for (const secret of [standard.secret, standard.secret.slice("whsec_".length), github.secret]) expect(dump).not.toContain(secret);
    expect(dump).toContain(standard.id);
  });
});

describe("signed deliveries (Standard Webhooks)", () => {
  it("start the endpoint's run as webhook:<id>, audited; a replay of the same webhook-id answers the same run", async () => {
    const cluster = await newCluster();
    const hook = await createWebhook({ cluster, action: "certs.renew", scheme: "standard" });
    const first = await deliverStandard(hook, "msg_replay_1", body(1));
    expect(first.status, first.text).toBe(202);
    const { runId } = first.json as { runId: string; duplicate: boolean };
    expect(first.json).toMatchObject({ duplicate: false });
    expect(await runsBy(`webhook:${hook.id}`)).toEqual([{ id: runId, operation: "certs.renew", cluster }]);
    const audit = await env.DB.prepare("SELECT actor, action, cluster, outcome, details FROM audit_log WHERE target = ? ORDER BY seq").bind(runId).all<{ actor: string; details: string }>();
    expect(audit.results[0]).toMatchObject({ actor: `webhook:${hook.id}`, cluster, outcome: "ok" });
    expect(audit.results[0]?.details).toContain("certs.renew");

    // The sender retries (a new attempt, a new timestamp and signature): one run, the same id.
    const again = await deliverStandard(hook, "msg_replay_1", body(1), { timestamp: Math.floor(Date.now() / 1000) + 2 });
    expect(again.status, again.text).toBe(200);
    expect(again.json).toEqual({ runId, duplicate: true });
    // Two copies at once (once the cluster is free again): still one run.
    await finished(runId);
    const racing = await Promise.all([deliverStandard(hook, "msg_replay_2", body(2)), deliverStandard(hook, "msg_replay_2", body(2))]);
    const statuses = racing.map((r) => r.status).sort();
    expect([[200, 202], [202, 409]]).toContainEqual(statuses);
    const started = await runsBy(`webhook:${hook.id}`);
    expect(started.filter((r) => r.id === runId)).toHaveLength(1);
    expect(started).toHaveLength(2);
  });

  it("refuse a bad, expired or missing signature with 401, counted as denied, starting no run", async () => {
    const cluster = await newCluster();
    const hook = await createWebhook({ cluster, action: "backup", scheme: "standard" });
    const other = await createWebhook({ cluster, action: "backup", scheme: "standard" });
    const before = await deniedCount("bad webhook signature");
    const now = Math.floor(Date.now() / 1000);
    const cases = [
      await deliverStandard({ id: hook.id, secret: other.secret }, "msg_bad_1", body(1)),
      await deliverStandard(hook, "msg_bad_2", body(2), { signature: "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" }),
      await deliverStandard(hook, "msg_bad_3", body(3), { timestamp: now - 600 }),
      await deliverStandard(hook, "msg_bad_4", body(4), { timestamp: now + 600 }),
      await call("POST", `/v1/hooks/${hook.id}`, { token: null, body: body(5), contentType: "application/json" }),
    ];
    for (const res of cases) {
      expect(res.status, res.text).toBe(401);
      expect(errorOf(res).code).toBe("unauthorized");
    }
    expect(errorOf(cases[2] as never).message).toMatch(/5 minutes/);
    expect(errorOf(cases[4] as never).message).toMatch(/webhook-signature/);
    expect(await deniedCount("bad webhook signature")).toBe(before + cases.length);
    expect(await runsBy(`webhook:${hook.id}`)).toEqual([]);
    // A refused delivery claims nothing: the same id, signed right, then starts the run.
    const good = await deliverStandard(hook, "msg_bad_2", body(2));
    expect(good.status, good.text).toBe(202);
    await finished((good.json as { runId: string }).runId);
  });

  it("answer 404 for a deleted endpoint (and an unknown one)", async () => {
    const cluster = await newCluster();
    const hook = await createWebhook({ cluster, action: "backup", scheme: "standard" });
    const del = await call("DELETE", `/v1/webhooks/${hook.id}`);
    expect(del.status, del.text).toBe(200);
    expect((await call("DELETE", `/v1/webhooks/${hook.id}`)).status).toBe(404);
    const res = await deliverStandard(hook, "msg_gone", body(1));
    expect(res.status, res.text).toBe(404);
    expect((await call("POST", "/v1/hooks/not-a-hook", { token: null, body: "{}" })).status).toBe(404);
    expect(await runsBy(`webhook:${hook.id}`)).toEqual([]);
    const audit = await env.DB.prepare("SELECT action FROM audit_log WHERE target = ? AND outcome = 'ok' ORDER BY seq").bind(hook.id).all<{ action: string }>();
    expect(audit.results.map((r) => r.action)).toEqual(["webhook.create", "webhook.delete"]);
  });

  it("end with their cluster: deleting it removes its endpoints (and its schedule)", async () => {
    const cluster = await newCluster();
    const hook = await createWebhook({ cluster, action: "backup", scheme: "standard" });
    expect((await call("PUT", `/v1/clusters/${cluster}/schedule`, { body: JSON.stringify({ backup: { everyHours: 6 } }), contentType: "application/json" })).status).toBe(200);
    const del = await call("DELETE", `/v1/clusters/${cluster}`);
    expect(del.status, del.text).toBe(200);
    expect((await deliverStandard(hook, "msg_orphan", body(1))).status).toBe(404);
    expect(WebhookList.parse((await call("GET", "/v1/webhooks")).json).webhooks.map((w) => w.id)).not.toContain(hook.id);
    expect((await call("GET", `/v1/clusters/${cluster}/schedule`)).status).toBe(404);
  });

  it("answer 409 with the active run while the cluster is busy, and keep no claim: the sender's retry starts the run once it is free", async () => {
    const f = await clusterOnSite(controllerAndWorkers(["127.0.0.11", "127.0.0.12"]));
    const relay = await RelaySocket.connect(f.token, f.site);
    const busy = await startFacts(f.cluster);
    const hook = await createWebhook({ cluster: f.cluster, action: "backup", scheme: "standard" });
    const refused = await deliverStandard(hook, "msg_busy", body(1));
    expect(refused.status, refused.text).toBe(409);
    expect(errorOf(refused).code).toBe("conflict");
    expect(errorOf(refused).message).toContain(busy);
    const failed = await env.DB.prepare("SELECT actor, outcome FROM audit_log WHERE target = ? AND action = 'webhook.backup'").bind(hook.id).all();
    expect(failed.results).toEqual([{ actor: `webhook:${hook.id}`, outcome: "failed" }]);

    relay.autoAnswer((step) => healthyResult(step));
    await finished(busy);
    const retry = await deliverStandard(hook, "msg_busy", body(1));
    expect(retry.status, retry.text).toBe(202);
    expect((await runsBy(`webhook:${hook.id}`)).map((r) => r.operation)).toEqual(["backup"]);
    relay.close();
  });

  it("resolve a claim left behind by a start that never finished: a duplicate if its run exists, taken over if not", async () => {
    const cluster = await newCluster();
    const hook = await createWebhook({ cluster, action: "backup", scheme: "standard" });
    const long = Date.now() - 10 * 60_000;
    const claim = env.DB.prepare("INSERT INTO webhook_deliveries (endpoint_id, delivery_id, run_id, status, received_at) VALUES (?, ?, ?, 'starting', ?)");
    await claim.bind(hook.id, "msg_stale_gone", "run_never_started", long).run();
    const fresh = await deliverStandard(hook, "msg_stale_gone", body(1));
    expect(fresh.status, fresh.text).toBe(202);
    const runId = (fresh.json as { runId: string }).runId;
    expect(runId).not.toBe("run_never_started");
    await finished(runId);

    await claim.bind(hook.id, "msg_stale_ran", runId, long).run();
    const dup = await deliverStandard(hook, "msg_stale_ran", body(2));
    expect(dup.status, dup.text).toBe(200);
    expect(dup.json).toEqual({ runId, duplicate: true });
    // A recent claim is another copy still starting: the sender retries.
    await claim.bind(hook.id, "msg_starting", "run_starting", Date.now()).run();
    expect((await deliverStandard(hook, "msg_starting", body(3))).status).toBe(409);
    expect(await runsBy(`webhook:${hook.id}`)).toHaveLength(1);
  });

  it("apply with a pinned revision applies only while the cluster is at that revision", async () => {
    const cluster = await newCluster();
    const hook = await createWebhook({ cluster, action: "apply", revision: 1, scheme: "standard" });
    const ok = await deliverStandard(hook, "msg_apply_1", body(1));
    expect(ok.status, ok.text).toBe(202);
    await finished((ok.json as { runId: string }).runId);
    const changed = seedYaml(cluster).replace("10.0.0.11", "10.0.0.21");
    expect((await call("PUT", `/v1/clusters/${cluster}`, yamlBody(changed))).status).toBe(200);
    const moved = await deliverStandard(hook, "msg_apply_2", body(2));
    expect(moved.status, moved.text).toBe(409);
    expect(errorOf(moved).message).toMatch(/revision 2, not revision 1/);
  });
});

describe("signed deliveries (GitHub)", () => {
  it("verify X-Hub-Signature-256 and dedupe on X-GitHub-Delivery", async () => {
    const cluster = await newCluster();
    const hook = await createWebhook({ cluster, action: "backup", scheme: "github" });
    const payload = JSON.stringify({ ref: "refs/heads/main" });
    const first = await deliverGithub(hook, "72d3162e-cc78-11e3-81ab-4c9367dc0958", payload);
    expect(first.status, first.text).toBe(202);
    const again = await deliverGithub(hook, "72d3162e-cc78-11e3-81ab-4c9367dc0958", payload);
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ runId: (first.json as { runId: string }).runId, duplicate: true });
    const forged = await deliverGithub(hook, "another-delivery", payload, "sha256=" + "0".repeat(64));
    expect(forged.status).toBe(401);
    const standardHeaders = await deliverStandard(hook, "msg_wrong_scheme", payload, { signature: "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" });
    expect(standardHeaders.status).toBe(401);
    expect((await runsBy(`webhook:${hook.id}`)).map((r) => r.operation)).toEqual(["backup"]);
    await finished((first.json as { runId: string }).runId);
  });
});
