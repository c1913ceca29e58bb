import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { CreatedSubscription, DeliveryList, SubscriptionList } from "../../schema/notify-api";
import { StartedRun } from "../../cli/responses";
import { standardWebhookSignature } from "../../worker/notify/standard-webhooks-sign";
import type { PendingDelivery } from "../../worker/notify/notify-types";
import { clusterOnSite, sshHost } from "./cluster-on-site";
import { call, dumpDatabase, errorOf, jsonBody } from "./helpers";
import { eventually, recorded } from "./slack-helpers";

let cluster = "";
let hookPath = "";
let slackPath = "";
let secret = "";

const subscribe = (body: unknown, name = cluster) => call("POST", `/v1/clusters/${name}/notifications`, jsonBody(body));
const subscriptionRows = async () => (await env.DB.prepare("SELECT COUNT(*) AS n FROM notification_subscriptions").first<{ n: number }>())?.n ?? 0;

beforeAll(async () => {
  ({ cluster } = await clusterOnSite({ hosts: [sshHost("10.0.0.1", "controller+worker")] }));
  hookPath = `/hooks/${cluster}/endpoint`;
  slackPath = `/services/${cluster}/T000/B000/XXXX`;
  const hook = await subscribe({ events: ["run.finished", "certificate.expiring", "backup.failed"], target: { kind: "webhook", url: `${env.SLACK_STAND_IN_URL}${hookPath}` } });
  expect(hook.status, hook.text).toBe(201);
  const created = CreatedSubscription.parse(hook.json);
  secret = created.secret ?? "";
  const slack = await subscribe({ events: ["run.finished"], target: { kind: "slack-webhook", url: `${env.SLACK_STAND_IN_URL}${slackPath}` } });
  expect(slack.status, slack.text).toBe(201);
});

describe("notification subscriptions", () => {
  it("show a webhook's whsec_ secret once; URLs and secrets are never returned nor stored in the clear", async () => {
    expect(secret).toMatch(/^whsec_/);
    const list = SubscriptionList.parse((await call("GET", `/v1/clusters/${cluster}/notifications`)).json);
    expect(list.subscriptions.map((s) => s.target.kind).sort()).toEqual(["slack-webhook", "webhook"]);
    const listed = JSON.stringify(list);
    expect(listed).not.toContain(hookPath);
    expect(listed).not.toContain(secret);
    const db = await dumpDatabase();
    expect(db).not.toContain(hookPath);
    expect(db).not.toContain(slackPath);
    expect(db).not.toContain(secret.slice(6));
  });

  it("refuse bad input naming the field, storing nothing", async () => {
    const before = await subscriptionRows();
    const cases: [unknown, string][] = [
      [{ events: ["run.finished"], target: { kind: "webhook", url: "http://example.com/hook" } }, "target.url"],
      [{ events: ["run.finished"], target: { kind: "webhook", url: "ftp://127.0.0.1/hook" } }, "target.url"],
      [{ events: [], target: { kind: "webhook", url: "https://example.com/hook" } }, "events"],
      [{ events: ["run.exploded"], target: { kind: "webhook", url: "https://example.com/hook" } }, "events"],
      [{ events: ["run.finished"], target: { kind: "slack-channel", channel: "#ops" } }, "target.channel"],
    ];
    for (const [body, field] of cases) {
      const res = await subscribe(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(errorOf(res).details?.map((d) => d.path).join(" "), JSON.stringify(body)).toContain(field);
    }
    expect((await subscribe({ events: ["run.finished"], target: { kind: "webhook", url: "https://example.com/hook" } }, "no-such-cluster")).status).toBe(404);
    expect(await subscriptionRows()).toBe(before);
  });

  it("deliver run.finished signed with Standard Webhooks, and to the Slack incoming webhook as Block Kit; the log has target ids only", async () => {
    // No relay is online for the cluster's site: the run fails after RELAY_WAIT_SECONDS, and that is an ending too.
    const started = StartedRun.parse((await call("POST", `/v1/clusters/${cluster}/facts`)).json);
    const [hook] = await eventually("the webhook", () => recorded(hookPath), (r) => r.some((p) => p.body.type === "run.finished"));
    expect(hook?.body).toMatchObject({ type: "run.finished", data: { cluster, runId: started.run.id, operation: "facts", status: "failed" } });
    const w = hook?.webhook;
    expect(w?.id).toMatch(/^dlv_/);
    expect(w?.signature).toBe(await standardWebhookSignature(secret, w?.id ?? "", Number(w?.timestamp), hook?.raw ?? ""));
    expect(Math.abs(Number(w?.timestamp) - Date.now() / 1000)).toBeLessThan(300);

    const [slack] = await eventually("the Slack webhook", () => recorded(slackPath), (r) => r.length > 0);
    expect(String(slack?.body.text)).toContain(`Facts of ${cluster} failed`);
    expect(JSON.stringify(slack?.body.blocks)).toContain('"type":"header"');
    expect(slack?.webhook).toBeNull();

    const log = await eventually(
      "the delivery log",
      async () => DeliveryList.parse((await call("GET", `/v1/notifications/deliveries?cluster=${cluster}`)).json).deliveries,
      (d) => d.length === 2 && d.every((x) => x.status === "delivered"),
    );
    expect(log.every((d) => d.target.startsWith("subscription:sub_") && d.event === "run.finished" && d.attempts === 1 && d.lastStatus === 200)).toBe(true);
  });

  it("deliver certificate.expiring and backup.failed from what a run's reports found", async () => {
    const stub = env.NOTIFY.get(env.NOTIFY.idFromName(cluster));
    const notAfter = Date.now() + 5 * 86_400_000;
    await stub.runProgress({
      runId: "run_reports",
      cluster,
      operation: "certs.inventory",
      requestedBy: "cron",
      phases: [],
      finished: false,
      expiringCertificates: [{ host: "10.0.0.1:22", path: "/var/lib/k0s/pki/server.crt", notAfter }],
      failedBackups: [{ id: "bk_1", error: "the archive lacks pki/" }],
    });
    const got = await eventually("both events", () => recorded(hookPath), (r) => r.some((p) => p.body.type === "certificate.expiring") && r.some((p) => p.body.type === "backup.failed"));
    expect(got.find((p) => p.body.type === "certificate.expiring")?.body).toMatchObject({ data: { warningDays: 30, certificates: [{ path: "/var/lib/k0s/pki/server.crt", daysLeft: 4 }] } });
    expect(got.find((p) => p.body.type === "backup.failed")?.body).toMatchObject({ data: { backups: [{ id: "bk_1", error: "the archive lacks pki/" }] } });
  });

  it("retries a delivery the receiver refused, with the same webhook-id", async () => {
    const { cluster: other } = await clusterOnSite({ hosts: [sshHost("10.0.0.2", "controller+worker")] });
    const path = `/fail-once/${other}`;
    const created = CreatedSubscription.parse((await subscribe({ events: ["backup.failed"], target: { kind: "webhook", url: `${env.SLACK_STAND_IN_URL}${path}` } }, other)).json);
    const stub = env.NOTIFY.get(env.NOTIFY.idFromName(other));
    await stub.runProgress({ runId: "run_x", cluster: other, operation: "backup", requestedBy: "cron", phases: [], finished: false, expiringCertificates: [], failedBackups: [{ id: "bk_2", error: null }] });
    await eventually("the first attempt", () => recorded(path), (r) => r.length === 1);
    const pending = await eventually(
      "the retry queued",
      async () => (await call("GET", `/v1/notifications/deliveries?cluster=${other}`)).json as { deliveries: { status: string; attempts: number; lastStatus: number }[] },
      (l) => l.deliveries[0]?.attempts === 1,
    );
    expect(pending.deliveries[0]).toMatchObject({ status: "pending", lastStatus: 500 });
    // The backoff is seconds; the test does not wait for it: the queued retry is made due now.
    await runInDurableObject(stub, async (_obj, state) => {
      for (const [key, d] of await state.storage.list<PendingDelivery>({ prefix: "pending:" })) await state.storage.put(key, { ...d, nextAt: 0 });
    });
    await runDurableObjectAlarm(stub);
    const both = await eventually("the retry", () => recorded(path), (r) => r.length === 2);
    expect(both[1]?.webhook?.id).toBe(both[0]?.webhook?.id);
    expect(both[1]?.webhook?.signature).toBe(await standardWebhookSignature(created.secret ?? "", both[1]?.webhook?.id ?? "", Number(both[1]?.webhook?.timestamp), both[1]?.raw ?? ""));
    const done = DeliveryList.parse((await call("GET", `/v1/notifications/deliveries?cluster=${other}`)).json).deliveries;
    expect(done[0]).toMatchObject({ status: "delivered", attempts: 2, lastStatus: 200 });
  });

  it("are deleted by id; deleting again is 404", async () => {
    const list = SubscriptionList.parse((await call("GET", `/v1/clusters/${cluster}/notifications`)).json);
    const id = list.subscriptions[0]?.id ?? "";
    expect((await call("DELETE", `/v1/clusters/${cluster}/notifications/${id}`)).status).toBe(200);
    expect((await call("DELETE", `/v1/clusters/${cluster}/notifications/${id}`)).status).toBe(404);
    const audit = await env.DB.prepare("SELECT action FROM audit_log WHERE target = ? ORDER BY seq").bind(id).all();
    expect(audit.results.map((r) => r.action)).toEqual(["notification.subscribe", "notification.unsubscribe"]);
  });
});
