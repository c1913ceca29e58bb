import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BackupList } from "../../schema/backup-api";
import { StartRunResponse } from "../../schema/run-api";
import type { Step, StepResult } from "../../schema/steps";
import type { BackupReport } from "../../schema/steps-backup";
import type { K0sFactsReport } from "../../schema/steps-k0s";
import { call, errorOf, jsonBody, mintToken, uniqueName } from "./helpers";
import { clusterOnSite, sshHost } from "./cluster-on-site";
import { finished } from "./run-helpers";
import { RelaySocket, healthyResult } from "./relay-socket";

const HOSTS = ["127.0.0.21", "127.0.0.22", "127.0.0.23"];
const running: Record<string, K0sFactsReport> = Object.fromEntries(HOSTS.map((h, i) => [`${h}:22`, { running: true, installedVersion: "v1.30.0+k0s.0", role: i === 0 ? "controller" : "worker" }]));
const spec = () => ({ hosts: HOSTS.map((a, i) => sshHost(a, i === 0 ? "controller" : "worker")), k0s: { version: "1.30.0+k0s.0" } });

function backupReport(id: string, extra: Partial<BackupReport> = {}): BackupReport {
  return {
    kind: "backup",
    id,
    status: "verified",
    size: 4096,
    sha256: "c".repeat(64),
    contents: { storage: "etcd", pki: true, manifests: true, images: false, config: true },
    k0sVersion: "1.30.0+k0s.0",
    host: "127.0.0.21:22",
    createdAt: Date.now(),
    pruned: [],
    ...extra,
  };
}

/** A relay whose backups report `report(n)` for the n-th backup step it runs. */
function answering(report: (n: number) => { ok: boolean; report: BackupReport }) {
  let n = 0;
  return (step: Step): StepResult => {
    if (step.kind !== "k0s.backup") return healthyResult(step, { k0s: running, hostname: Object.fromEntries(HOSTS.map((h) => [`${h}:22`, `node-${h.split(".")[3]}`])) });
    const r = report(n++);
    return r.ok
      ? { ok: true, exitCode: 0, stdout: "", stderr: "", durationMs: 5, changed: true, report: r.report }
      : { ok: false, exitCode: 1, stdout: "", stderr: "", durationMs: 5, error: { code: "command_failed", message: `backup ${r.report.id} failed verification` }, report: r.report };
  };
}

async function backup(cluster: string): Promise<string> {
  const res = await call("POST", `/v1/clusters/${cluster}/backups`);
  expect(res.status, res.text).toBe(202);
  return StartRunResponse.parse(res.json).run.id;
}

async function list(cluster: string) {
  const res = await call("GET", `/v1/clusters/${cluster}/backups`);
  expect(res.status, res.text).toBe(200);
  return BackupList.parse(res.json).backups;
}

describe("backups", () => {
  it("records a verified backup's metadata, a failed one as failed, and retention's deletions", async () => {
    const f = await clusterOnSite(spec());
    const ids = [uniqueName("bk"), uniqueName("bk"), uniqueName("bk")];
    const relay = await RelaySocket.connect(f.token, f.site);
    relay.autoAnswer(
      answering((n) => {
        if (n === 1) return { ok: false, report: backupReport(ids[1] ?? "", { status: "failed", error: "the archive lacks pki/", createdAt: 2 }) };
        return { ok: true, report: backupReport(ids[n] ?? "", { createdAt: n + 1, pruned: n === 2 ? [ids[0] ?? ""] : [] }) };
      }),
    );
    const first = await finished(await backup(f.cluster));
    expect(first.status, first.error ?? "").toBe("succeeded");
    expect(first.phases.map((p) => p.name)).toContain("Take backup");
    expect(relay.stepRuns().find((r) => r.step.kind === "k0s.backup")?.step).toMatchObject({ cluster: f.cluster, host: { address: "127.0.0.21" } });
    expect(await list(f.cluster)).toEqual([
      expect.objectContaining({ id: ids[0], cluster: f.cluster, status: "verified", size: 4096, sha256: "c".repeat(64), host: "127.0.0.21:22", k0sVersion: "1.30.0+k0s.0", runId: first.id, error: null, deletedAt: null }),
    ]);

    const second = await finished(await backup(f.cluster));
    expect(second.status).toBe("failed");
    expect((await list(f.cluster))[0]).toMatchObject({ id: ids[1], status: "failed", error: "the archive lacks pki/" });

    const third = await finished(await backup(f.cluster));
    expect(third.status, third.error ?? "").toBe("succeeded");
    const all = await list(f.cluster);
    expect(all.map((b) => [b.id, b.status])).toEqual([
      [ids[2], "verified"],
      [ids[1], "failed"],
      [ids[0], "deleted"],
    ]);
    expect(all[2]?.deletedAt).toBe(3);
    relay.close();
  });

  it("lists for viewers, starts backups for operators only, and 404s an unknown cluster", async () => {
    const f = await clusterOnSite(spec());
    const viewer = await mintToken("viewer");
    expect((await call("GET", `/v1/clusters/${f.cluster}/backups`, { token: viewer.token })).status).toBe(200);
    const refused = await call("POST", `/v1/clusters/${f.cluster}/backups`, { token: viewer.token });
    expect(refused.status).toBe(403);
    expect(errorOf(await call("GET", "/v1/clusters/nope-absent/backups")).code).toBe("not_found");
  });
});

describe("restore", () => {
  async function withBackup() {
    const f = await clusterOnSite(spec());
    const id = uniqueName("bk");
    const relay = await RelaySocket.connect(f.token, f.site);
    relay.autoAnswer(answering(() => ({ ok: true, report: backupReport(id) })));
    const run = await finished(await backup(f.cluster));
    expect(run.status, run.error ?? "").toBe("succeeded");
    return { f, id, relay };
  }

  it("refuses a running cluster without --reset naming it, and names the field", async () => {
    const { f, id, relay } = await withBackup();
    for (const body of [{ backup: id }, { backup: id, reset: "other" }]) {
      const res = await call("POST", `/v1/clusters/${f.cluster}/restore`, jsonBody(body));
      expect(res.status, res.text).toBe(409);
      expect(errorOf(res).message).toMatch(new RegExp(`confirm with --reset ${f.cluster}`));
      expect(errorOf(res).details).toEqual([expect.objectContaining({ path: "reset" })]);
    }
    const bad = await call("POST", `/v1/clusters/${f.cluster}/restore`, jsonBody({ backup: "no/such" }));
    expect(bad.status).toBe(400);
    expect(errorOf(bad).message).toMatch(/body\.backup|backup/);
    const badTimeout = await call("POST", `/v1/clusters/${f.cluster}/restore`, jsonBody({ backup: "bk-absent", timeout: 0 }));
    expect(badTimeout.status).toBe(400);
    expect(errorOf(badTimeout).message).toMatch(/timeout/);
    expect(errorOf(await call("POST", `/v1/clusters/${f.cluster}/restore`, jsonBody({ backup: "bk-absent" }))).code).toBe("not_found");
    // only admins restore
    const operator = await mintToken("operator");
    expect((await call("POST", `/v1/clusters/${f.cluster}/restore`, { ...jsonBody({ backup: id, reset: f.cluster }), token: operator.token })).status).toBe(403);
    relay.close();
  });

  it("refuses another cluster's backup and a failed one", async () => {
    const { f, id, relay } = await withBackup();
    const other = await clusterOnSite(spec());
    const res = await call("POST", `/v1/clusters/${other.cluster}/restore`, jsonBody({ backup: id, reset: other.cluster }));
    expect(res.status, res.text).toBe(422);
    expect(errorOf(res).message).toMatch(new RegExp(`is a backup of cluster ${f.cluster}, not of ${other.cluster}`));
    await env.DB.prepare("UPDATE backups SET status = 'failed', error = 'bad gzip' WHERE id = ?").bind(id).run();
    const failed = await call("POST", `/v1/clusters/${f.cluster}/restore`, jsonBody({ backup: id, reset: f.cluster }));
    expect(errorOf(failed).message).toMatch(/failed verification \(bad gzip\)/);
    relay.close();
  });

  it("dry-runs the plan, then restores with the confirmation", async () => {
    const { f, id, relay } = await withBackup();
    const dry = await call("POST", `/v1/clusters/${f.cluster}/restore`, jsonBody({ backup: id, reset: f.cluster, dryRun: true, timeout: 60 }));
    expect(dry.status, dry.text).toBe(200);
    const phases = (dry.json as { plan: { phases: { name: string }[] } }).plan.phases.map((p) => p.name);
    expect(phases).toEqual(expect.arrayContaining(["Stop and reset controllers", "Restore cluster state", "Initialize the k0s cluster", "Check workers are Ready", "Disconnect from hosts"]));
    const before = relay.stepRuns().length;
    const started = await call("POST", `/v1/clusters/${f.cluster}/restore`, jsonBody({ backup: id, reset: f.cluster }));
    expect(started.status, started.text).toBe(202);
    const run = await finished(StartRunResponse.parse(started.json).run.id);
    expect(run.status, run.error ?? "").toBe("succeeded");
    const sent = relay.stepRuns().slice(before).map((r) => r.step);
    expect(sent.find((s) => s.kind === "k0s.restore")).toMatchObject({ backupId: id, sha256: "c".repeat(64), cluster: f.cluster, host: { address: "127.0.0.21" } });
    // the audit log records which archive was restored, by its hash
    const audit = await env.DB.prepare("SELECT details FROM audit_log WHERE target = ? AND action = 'run.start'").bind(run.id).first<{ details: string }>();
    expect(JSON.parse(audit?.details ?? "{}")).toMatchObject({ operation: "restore", backup: id, sha256: "c".repeat(64) });
    relay.close();
  });
});
