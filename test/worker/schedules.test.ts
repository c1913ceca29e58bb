import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { ScheduleResponse } from "../../schema/schedule-api";
import worker from "../../worker/index";
import { seedYaml } from "./fixtures";
import { call, errorOf, jsonBody, uniqueName, yamlBody } from "./helpers";
import { clusterOnSite } from "./cluster-on-site";
import { RelaySocket, healthyResult } from "./relay-socket";
import { controllerAndWorkers, finished, startFacts } from "./run-helpers";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Tuesday 1 December 2026, 00:00 UTC. */
const TUE = Date.UTC(2026, 11, 1);
const WINDOW = { days: ["tue"], start: "02:00", end: "04:00" };

/** One cron tick, as the runtime delivers it, at `at`. */
async function tick(at: number): Promise<void> {
  const controller = createScheduledController({ scheduledTime: new Date(at), cron: "*/5 * * * *" });
  const ctx = createExecutionContext();
  await worker.scheduled(controller, env, ctx);
  await waitOnExecutionContext(ctx);
}

async function newCluster(): Promise<string> {
  const name = uniqueName("scheduled");
  const res = await call("POST", "/v1/clusters?site=dc1", yamlBody(seedYaml(name)));
  expect(res.status, res.text).toBe(201);
  return name;
}

async function setSchedule(cluster: string, policy: unknown) {
  const res = await call("PUT", `/v1/clusters/${cluster}/schedule`, jsonBody(policy));
  expect(res.status, res.text).toBe(200);
  return ScheduleResponse.parse(res.json).schedule;
}

async function getSchedule(cluster: string) {
  const res = await call("GET", `/v1/clusters/${cluster}/schedule`);
  expect(res.status, res.text).toBe(200);
  return ScheduleResponse.parse(res.json).schedule;
}

/** A certificate row as an inventory stores it. */
async function storeCert(cluster: string, path: string, notAfter: number, isCA = false): Promise<void> {
  await env.DB.prepare(
    "INSERT INTO certificates (cluster, host, path, subject, issuer, sans, not_before, not_after, is_ca, fingerprint, run_id, observed_at) VALUES (?, '10.0.0.11:22', ?, 'CN=x', 'CN=ca', '[]', 0, ?, ?, ?, 'run_seed', 0)",
  )
    .bind(cluster, path, notAfter, isCA ? 1 : 0, `fp:${path}`)
    .run();
}

async function scheduledRuns(cluster: string) {
  const rows = await env.DB.prepare("SELECT id, operation FROM runs WHERE cluster = ? AND requested_by = 'schedule' ORDER BY created_at").bind(cluster).all<{ id: string; operation: string }>();
  return rows.results;
}

// Every tick acts on every schedule in this file's database: each test starts from none.
afterEach(async () => {
  await env.DB.prepare("DELETE FROM schedules").run();
});

describe("schedule API", () => {
  it("sets, reads and clears a policy, with defaults; refuses bad input naming the field and stores nothing", async () => {
    const cluster = await newCluster();
    const bad = async (policy: unknown, path: string) => {
      const res = await call("PUT", `/v1/clusters/${cluster}/schedule`, jsonBody(policy));
      expect(res.status, res.text).toBe(400);
      expect(errorOf(res).details?.map((d) => d.path)).toContain(path);
    };
    await bad({ certInventory: { dailyAt: "25:00" } }, "certInventory.dailyAt");
    await bad({ autoRenew: { window: { ...WINDOW, end: "01:00" } } }, "autoRenew.window.end");
    await bad({ autoRenew: { window: { ...WINDOW, days: ["tuesday"] } } }, "autoRenew.window.days[0]");
    await bad({ autoRenew: { withinDays: 0, window: WINDOW } }, "autoRenew.withinDays");
    await bad({ backup: { everyHours: 0.5 } }, "backup.everyHours");
    await bad({ backup: { everyHours: 6, keep: 3 } }, "backup");
    await bad({}, "body");
    expect((await call("GET", `/v1/clusters/${cluster}/schedule`)).status).toBe(404);
    expect((await call("PUT", "/v1/clusters/absent-cluster/schedule", jsonBody({ backup: { everyHours: 6 } }))).status).toBe(404);

    const set = await setSchedule(cluster, { certInventory: { dailyAt: "03:00" }, autoRenew: { window: WINDOW }, backup: { everyHours: 24 } });
    expect(set.policy.autoRenew?.withinDays).toBe(30);
    const read = await getSchedule(cluster);
    expect(read).toMatchObject({ cluster, updatedBy: "bootstrap", status: { lastRun: null, lastSkipped: null, missedWindows: [] } });
    expect(read.policy).toEqual(set.policy);

    const cleared = await call("DELETE", `/v1/clusters/${cluster}/schedule`);
    expect(cleared.status, cleared.text).toBe(200);
    expect((await call("GET", `/v1/clusters/${cluster}/schedule`)).status).toBe(404);
    const audit = await env.DB.prepare("SELECT action FROM audit_log WHERE cluster = ? AND outcome = 'ok' ORDER BY seq").bind(cluster).all<{ action: string }>();
    expect(audit.results.map((r) => r.action)).toEqual(["cluster.create", "schedule.set", "schedule.clear"]);
  });
});

describe("auto-renew", () => {
  it("starts certs.renew for an expiring leaf inside its window, once per window, and not outside it", async () => {
    const expiring = await newCluster();
    const fresh = await newCluster();
    await storeCert(expiring, "/var/lib/k0s/pki/server.crt", TUE + 10 * DAY);
    await storeCert(expiring, "/var/lib/k0s/pki/ca.crt", TUE + 3000 * DAY, true);
    // Only a CA near its end: keel renews leaves only, so nothing is owed.
    await storeCert(fresh, "/var/lib/k0s/pki/server.crt", TUE + 100 * DAY);
    await storeCert(fresh, "/var/lib/k0s/pki/ca.crt", TUE + 5 * DAY, true);
    for (const cluster of [expiring, fresh]) await setSchedule(cluster, { autoRenew: { withinDays: 30, window: WINDOW } });

    await tick(TUE + 1 * HOUR + 55 * MINUTE); // before the window
    await tick(TUE + DAY + 2 * HOUR + 30 * MINUTE); // Wednesday: not a window day
    await tick(TUE + 4 * HOUR); // the window's end is exclusive
    expect(await scheduledRuns(expiring)).toEqual([]);

    await tick(TUE + 2 * HOUR + 30 * MINUTE);
    const runs = await scheduledRuns(expiring);
    expect(runs.map((r) => r.operation)).toEqual(["certs.renew"]);
    const runId = runs[0]?.id ?? "";
    const audit = await env.DB.prepare("SELECT actor, details FROM audit_log WHERE target = ? ORDER BY seq LIMIT 1").bind(runId).first<{ actor: string; details: string }>();
    expect(audit?.actor).toBe("schedule");
    expect(audit?.details).toContain("certs.renew");
    expect(await scheduledRuns(fresh)).toEqual([]);
    await finished(runId);

    await tick(TUE + 2 * HOUR + 35 * MINUTE); // the same window: renewed already
    expect(await scheduledRuns(expiring)).toHaveLength(1);
    const status = (await getSchedule(expiring)).status;
    expect(status.lastRun).toEqual({ at: TUE + 2 * HOUR + 30 * MINUTE, operation: "certs.renew", runId });
    expect(status.missedWindows).toEqual([]);
  });

  it("skips a busy cluster (recorded, retried next tick) and reports the window missed once it closes", async () => {
    const f = await clusterOnSite(controllerAndWorkers(["127.0.0.11", "127.0.0.12"]));
    const relay = await RelaySocket.connect(f.token, f.site);
    const busy = await startFacts(f.cluster); // the relay never answers: the cluster stays busy
    await storeCert(f.cluster, "/var/lib/k0s/pki/server.crt", TUE + 10 * DAY);
    await setSchedule(f.cluster, { autoRenew: { window: WINDOW } });

    await tick(TUE + 2 * HOUR + 30 * MINUTE);
    await tick(TUE + 3 * HOUR + 55 * MINUTE);
    expect(await scheduledRuns(f.cluster)).toEqual([]);
    const skipped = (await getSchedule(f.cluster)).status;
    expect(skipped.lastSkipped).toMatchObject({ at: TUE + 3 * HOUR + 55 * MINUTE, operation: "certs.renew" });
    expect(skipped.lastSkipped?.reason).toMatch(/^busy: .*already has an active run/);
    expect(skipped.lastSkipped?.reason).toContain(busy);
    expect(skipped.missedWindows).toEqual([]);

    await tick(TUE + 4 * HOUR + 5 * MINUTE);
    const missed = (await getSchedule(f.cluster)).status.missedWindows;
    expect(missed).toHaveLength(1);
    expect(missed[0]).toMatchObject({ start: TUE + 2 * HOUR, end: TUE + 4 * HOUR, reportedAt: TUE + 4 * HOUR + 5 * MINUTE });
    expect(missed[0]?.reason).toMatch(/^busy: /);
    const audit = await env.DB.prepare("SELECT actor, outcome, details FROM audit_log WHERE cluster = ? AND action = 'schedule.window_missed'").bind(f.cluster).all<{ actor: string; outcome: string; details: string }>();
    expect(audit.results).toHaveLength(1);
    expect(audit.results[0]).toMatchObject({ actor: "schedule", outcome: "failed" });
    expect(audit.results[0]?.details).toContain("2026-12-01T02:00:00.000Z");

    // Reported once, not on every later tick.
    await tick(TUE + 4 * HOUR + 10 * MINUTE);
    expect((await getSchedule(f.cluster)).status.missedWindows).toHaveLength(1);
    relay.autoAnswer((step) => healthyResult(step));
    await finished(busy);
    relay.close();
  });
});

describe("the cron", () => {
  it("forgets webhook delivery ids after 30 days", async () => {
    const insert = env.DB.prepare("INSERT INTO webhook_deliveries (endpoint_id, delivery_id, run_id, status, received_at) VALUES ('wh_x', ?, 'run_x', 'started', ?)");
    await insert.bind("old", TUE - 31 * DAY).run();
    await insert.bind("recent", TUE - 29 * DAY).run();
    await tick(TUE);
    const left = await env.DB.prepare("SELECT delivery_id FROM webhook_deliveries WHERE endpoint_id = 'wh_x'").all<{ delivery_id: string }>();
    expect(left.results.map((r) => r.delivery_id)).toEqual(["recent"]);
  });
});

describe("daily inventory and periodic backups", () => {
  it("start certs.inventory at the daily time and a backup every N hours, one run per tick", async () => {
    const cluster = await newCluster();
    await setSchedule(cluster, { certInventory: { dailyAt: "03:00" }, backup: { everyHours: 2 } });
    // Set "since" to Tuesday 00:00 so the ticks below do not depend on today's date.
    await env.DB.prepare("UPDATE schedules SET state = json_set(state, '$.since', ?) WHERE cluster = ?").bind(TUE, cluster).run();

    await tick(TUE + 1 * HOUR + 55 * MINUTE); // nothing is due yet
    expect(await scheduledRuns(cluster)).toEqual([]);
    await tick(TUE + 2 * HOUR + 55 * MINUTE);
    // Two hours since the schedule was set: the backup is due, the inventory is not yet.
    let runs = await scheduledRuns(cluster);
    expect(runs.map((r) => r.operation)).toEqual(["backup"]);
    await finished(runs[0]?.id ?? "");

    await tick(TUE + 3 * HOUR);
    runs = await scheduledRuns(cluster);
    expect(runs.map((r) => r.operation)).toEqual(["backup", "certs.inventory"]);
    await finished(runs[1]?.id ?? "");

    await tick(TUE + 3 * HOUR + 5 * MINUTE); // nothing is due
    await tick(TUE + 4 * HOUR + 50 * MINUTE); // 1 h 55 min after the backup
    expect(await scheduledRuns(cluster)).toHaveLength(2);
    await tick(TUE + 4 * HOUR + 55 * MINUTE);
    runs = await scheduledRuns(cluster);
    expect(runs.map((r) => r.operation)).toEqual(["backup", "certs.inventory", "backup"]);
    expect((await getSchedule(cluster)).status.lastRun).toMatchObject({ operation: "backup", runId: runs[2]?.id });
    await finished(runs[2]?.id ?? "");
  });
});
