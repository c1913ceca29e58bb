import { readFile, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiFailure } from "../../cli/api-client";
import { followRun } from "../../cli/follow-run";
import { ClusterWriteResponse, StartedRun } from "../../cli/responses";
import { BackupList } from "../../schema/backup-api";
import type { ClusterSpec } from "../../schema/cluster";
import { queryLocalD1 } from "../../scripts/local/local-api";
import { readClusterState } from "../../sim/cluster-state";
import { messages, nodesOf, startE2e, type E2eEnv, type RunOutcome, type RunEvent } from "./support";

// Seed 2.1 on hosts 127.0.0.121-125: back it up into the relay's encrypted
// store, change the cluster's state, restore it, and find the backup's state.
describe("backup and restore: seed 2.1 on simulated hosts", () => {
  let env: E2eEnv;
  let spec: ClusterSpec;
  let backupId: string;
  const name = "k0s-cluster";
  const storeDir = () => join(env.dir, "state", "relay", "backups", name);
  const d1 = (sql: string) => queryLocalD1(join(env.dir, "state", "wrangler"), sql);
  const appliedNames = () => readClusterState(env.hosts.clusterStateDir).applied.map((a) => a.name).sort();

  async function follow(runId: string): Promise<RunOutcome> {
    const events: RunEvent[] = [];
    const run = await followRun(env.stack.admin, runId, (e) => events.push(e), AbortSignal.timeout(300_000));
    return { id: runId, status: run.status, error: run.error, events };
  }

  async function kubectlApply(configMap: string): Promise<void> {
    const file = `/tmp/${configMap}.json`;
    const doc = JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: configMap, namespace: "default" }, data: { at: configMap } });
    const res = await env.ssh(0, `printf '%s' '${doc}' > ${file} && k0s kubectl apply -f ${file}`);
    expect(res.code, res.stderr).toBe(0);
  }

  beforeAll(async () => {
    env = await startE2e({ count: 5, hostnames: ["k1", "k2", "k3", "k4", "k5"], firstOctet: 121, backups: { keep: 2 } });
    spec = await env.spec("seed-2.1-basic.yaml");
  });
  afterAll(async () => {
    await env?.stop();
  });

  it("installs seed 2.1 and backs it up: an encrypted file on the relay, metadata only in D1", async () => {
    const applied = await env.apply(spec);
    expect(applied.status, applied.error ?? "").toBe("succeeded");
    await kubectlApply("kept");

    const started = await env.stack.admin.json("POST", `/v1/clusters/${name}/backups`, StartedRun);
    const run = await follow(started.run.id);
    expect(run.status, run.error ?? JSON.stringify(messages(run))).toBe("succeeded");
    expect(messages(run)).toContain("==> Running phase: Take backup");
    expect(messages(run).some((m) => m.startsWith("[ssh] 127.0.0.121:22: took backup ") && m.includes("verified and stored encrypted on the relay"))).toBe(true);

    const { backups } = await env.stack.admin.json("GET", `/v1/clusters/${name}/backups`, BackupList);
    expect(backups).toHaveLength(1);
    const [b] = backups;
    backupId = b?.id ?? "";
    expect(b).toMatchObject({ status: "verified", host: "127.0.0.121:22", k0sVersion: "1.21.2+k0s.1", contents: { storage: "etcd", pki: true, config: true } });

    // The store holds one encrypted file (not a gzip) and no plaintext on the leader is left behind.
    const files = await readdir(storeDir());
    expect(files.sort()).toEqual([`${backupId}.json`, `${backupId}.kbk`]);
    const stored = await readFile(join(storeDir(), `${backupId}.kbk`));
    expect(stored.subarray(0, 2).equals(Buffer.from([0x1f, 0x8b]))).toBe(false);
    expect(stored.subarray(0, 8).toString("ascii")).toBe("KEELBK01");
    expect((await env.ssh(0, "find /tmp -name 'k0s_backup*' | wc -l")).stdout.trim()).toBe("0");

    // The CA key is in the archive; it must be in neither D1 nor the relay's log nor the store's plaintext.
    const caKey = await readFile(join(env.hosts.hosts[0]?.root ?? "/nonexistent", "var/lib/k0s/pki/ca.key"), "utf8");
    const keyBody = caKey.split("\n").filter((l) => l.length > 0 && !l.startsWith("-----")).join("");
    expect(keyBody.length).toBeGreaterThan(40);
    const tables = (await d1("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'")).map((r) => String(r.name));
    expect(tables).toContain("backups");
    let dump = "";
    for (const t of tables) dump += JSON.stringify(await d1(`SELECT * FROM "${t}"`));
    const fragment = keyBody.slice(0, 40);
    expect(dump.includes(fragment)).toBe(false);
    expect(env.stack.relayLog().includes(fragment)).toBe(false);
    expect(stored.includes(Buffer.from(fragment))).toBe(false);
    const [row] = await d1(`SELECT size, sha256, status FROM backups WHERE id = '${backupId}'`);
    expect(row).toMatchObject({ status: "verified", sha256: b?.sha256, size: b?.size });
  });

  it("the stand-in's k0s backup and restore refuse like k0s", async () => {
    const restore = await env.ssh(0, "k0s restore /tmp/none.tar.gz");
    expect(restore.code).toBe(1);
    expect(restore.stderr).toContain("k0s seems to be running! k0s must be down during the restore operation.");
    const onWorker = await env.ssh(3, "mkdir -p /tmp/bk && k0s backup --save-path=/tmp/bk");
    expect(onWorker.stderr).toContain("backup command must be run on the controller node");
    expect((await env.ssh(0, "k0s backup --save-path=/tmp/does-not-exist")).stderr).toContain("does not exist");
    expect((await env.ssh(0, "k0s backup --save-path=/tmp --output=x")).stderr).toContain("unknown flag: --output");
  });

  it("refuses a restore of the running cluster without --reset naming it", async () => {
    const res = await env.stack.admin.send("POST", `/v1/clusters/${name}/restore`, { body: { backup: backupId } });
    expect(res.status).toBe(409);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toContain(`confirm with --reset ${name}`);
    expect(await d1("SELECT id FROM runs WHERE operation = 'restore'")).toEqual([]);
  });

  it("restores the backup's state with --reset: objects added since are gone, deleted ones are back, every node Ready", async () => {
    await kubectlApply("added-later");
    // A deletion since the backup (the stand-in has no kubectl delete: its cluster state is changed directly).
    const kept = (await readdir(join(env.hosts.clusterStateDir, "applied"))).find((f) => f.includes("kept"));
    expect(kept).toBeDefined();
    await rm(join(env.hosts.clusterStateDir, "applied", kept ?? ""));
    expect(appliedNames()).toEqual(["added-later"]);

    const dry = await env.stack.admin.send("POST", `/v1/clusters/${name}/restore`, { body: { backup: backupId, reset: name, dryRun: true } });
    expect(dry.status).toBe(200);
    const before = await readFile(join(env.hosts.hosts[0]?.root ?? "", "var/lib/k0s/pki/ca.key"), "utf8");

    const started = await env.stack.admin.json("POST", `/v1/clusters/${name}/restore`, StartedRun, { body: { backup: backupId, reset: name } });
    const run = await follow(started.run.id);
    expect(run.status, run.error ?? JSON.stringify(messages(run))).toBe("succeeded");
    const said = messages(run);
    const order = ["Stop and reset controllers", "Configure k0s", "Restore cluster state", "Initialize the k0s cluster", "Install controllers", "Check workers are Ready"];
    const at = order.map((p) => said.indexOf(`==> Running phase: ${p}`));
    expect(at.every((i) => i >= 0), JSON.stringify(said)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);

    expect(appliedNames()).toEqual(["kept"]);
    const state = readClusterState(env.hosts.clusterStateDir);
    expect(state.etcdMembers.map((m) => m.name).sort()).toEqual(["k1", "k2", "k3"]);
    // the restored leader runs on the backed-up CA
    expect(await readFile(join(env.hosts.hosts[0]?.root ?? "", "var/lib/k0s/pki/ca.key"), "utf8")).toBe(before);
    const nodes = await nodesOf(env);
    expect(nodes.map((n) => n.name)).toEqual(["k1", "k2", "k3", "k4", "k5"]);
    expect(nodes.every((n) => n.ready)).toBe(true);
    // the leader's plaintext copy is gone
    expect((await env.ssh(0, "find /tmp -name 'k0s_backup*' | wc -l")).stdout.trim()).toBe("0");
  });

  it("keeps the newest two backups and marks the older ones deleted", async () => {
    for (let i = 0; i < 2; i++) {
      const started = await env.stack.admin.json("POST", `/v1/clusters/${name}/backups`, StartedRun);
      expect((await follow(started.run.id)).status).toBe("succeeded");
    }
    const { backups } = await env.stack.admin.json("GET", `/v1/clusters/${name}/backups`, BackupList);
    expect(backups.map((b) => b.status)).toEqual(["verified", "verified", "deleted"]);
    expect(backups[2]?.id).toBe(backupId);
    expect((await readdir(storeDir())).filter((f) => f.endsWith(".kbk"))).toHaveLength(2);
  });

  it("names another cluster's backup as such", async () => {
    const other = { ...spec, metadata: { ...spec.metadata, name: "other-cluster" } };
    await env.stack.admin.json("POST", "/v1/clusters", ClusterWriteResponse, { body: { site: env.stack.site, spec: other } }).catch((err: unknown) => {
      if (!(err instanceof ApiFailure && err.status === 409)) throw err;
    });
    const { backups } = await env.stack.admin.json("GET", `/v1/clusters/${name}/backups`, BackupList);
    const res = await env.stack.admin.send("POST", "/v1/clusters/other-cluster/restore", { body: { backup: backups[0]?.id, reset: "other-cluster" } });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(`is a backup of cluster ${name}, not of other-cluster`);
  });

});
