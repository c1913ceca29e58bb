import { readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiFailure } from "../../cli/api-client";
import { followRun } from "../../cli/follow-run";
import { ClusterWriteResponse, StartedRun } from "../../cli/responses";
import { BackupList } from "../../schema/backup-api";
import type { ClusterSpec } from "../../schema/cluster";
import { queryLocalD1 } from "../../scripts/local/local-api";
import { readClusterState } from "../../sim/cluster-state";
import { countByHost, readCommandLedger } from "../../sim/command-ledger";
import { REPO_ROOT } from "../../scripts/local/local-api";
import { d1Text, issuedJoinTokenTexts, keelCli, messages, nodesOf, shiftAddresses, startE2e, type E2eEnv, type RunOutcome, type RunEvent } from "./support";

// Seed 2.1 on hosts 127.0.0.121-125: back it up into the relay's encrypted
// store, change the cluster's state, restore it, and find the backup's state.
// Host .126 (k6) joins after the backup: restoring it again, through
// `keel apply --restore-from`, must rejoin k6, whose kubelet the restored
// cluster does not know.
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
    env = await startE2e({ count: 6, hostnames: ["k1", "k2", "k3", "k4", "k5", "k6"], firstOctet: 121, backups: { keep: 2 } });
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
    const dump = await d1Text(env);
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

    // keel restore --dry-run prints the plan and touches nothing: no run, no k0s command on any host.
    const runsBefore = await d1("SELECT id FROM runs");
    const commandsBefore = readCommandLedger(env.hosts.clusterStateDir).length;
    const dry = await keelCli(env, ["restore", name, "--backup", backupId, "--reset", name, "--dry-run"]);
    expect(dry.code, dry.out).toBe(0);
    expect(dry.out).toContain(`Dry run of the restore of backup ${backupId} onto ${name}: no host was touched.`);
    for (const phase of ["Stop and reset controllers", "Restore cluster state", "Check workers are Ready", "Disconnect from hosts"]) expect(dry.out).toContain(phase);
    expect(await d1("SELECT id FROM runs")).toEqual(runsBefore);
    expect(readCommandLedger(env.hosts.clusterStateDir)).toHaveLength(commandsBefore);
    const before = await readFile(join(env.hosts.hosts[0]?.root ?? "", "var/lib/k0s/pki/ca.key"), "utf8");

    const restored = await keelCli(env, ["restore", name, "--backup", backupId, "--reset", name]);
    expect(restored.code, restored.out).toBe(0);
    const order = ["Stop and reset controllers", "Configure k0s", "Restore cluster state", "Initialize the k0s cluster", "Install controllers", "Check workers are Ready", "Disconnect from hosts"];
    const at = order.map((p) => restored.out.indexOf(`==> Running phase: ${p}`));
    expect(at.every((i) => i >= 0), restored.out).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    // every worker came back by itself: none is rejoined
    expect(restored.out).not.toContain("Rejoin workers");

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

  it("keel apply --restore-from rejoins a worker that joined after the backup, and leaves the others alone", async () => {
    // k6 joins the cluster after the backup was taken, through the CLI from a file, as users do.
    const text = await readFile(join(REPO_ROOT, "examples", "local", "seed-2.1-basic.yaml"), "utf8");
    const k6 = text.slice(text.lastIndexOf("  - ssh:"), text.indexOf("  k0s:\n")).replace("127.0.0.15", "127.0.0.16");
    const file = join(env.dir, "k0sctl-6.yaml");
    await writeFile(file, shiftAddresses(text.replace("  k0s:\n", `${k6}  k0s:\n`), 121));
    const grown = await keelCli(env, ["apply", "-c", file]);
    expect(grown.code, grown.out).toBe(0);
    expect((await nodesOf(env)).map((n) => `${n.name} ${n.ready}`)).toEqual(["k1 true", "k2 true", "k3 true", "k4 true", "k5 true", "k6 true"]);
    const credential = async (i: number) => (await readFile(join(env.hosts.hosts[i]?.root ?? "", "var/lib/k0s/kubelet.conf"), "utf8")).match(/token: (\S+)/)?.[1];
    const [k4Before, k5Before, k6Before] = [await credential(3), await credential(4), await credential(5)];
    expect(k6Before).toBeDefined();
    const resetsBefore = countByHost(readCommandLedger(env.hosts.clusterStateDir), ["reset"]);

    const restored = await keelCli(env, ["apply", "-c", file, "--restore-from", backupId, "--reset", name, "--timeout", "30"]);
    expect(restored.code, restored.out).toBe(0);
    const at = ["Restore cluster state", "Check workers are Ready", "Rejoin workers", "Disconnect from hosts"].map((p) => restored.out.indexOf(`==> Running phase: ${p}`));
    expect(at.every((i) => i >= 0), restored.out).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(restored.out).toContain("worker 127.0.0.126:22 (node k6) did not come back Ready after the restore: rejoining it");

    // Host state: every node Ready; k6 joined again (a new kubelet credential, one more k0s reset), k4 and k5 untouched.
    expect((await nodesOf(env)).map((n) => `${n.name} ${n.ready}`)).toEqual(["k1 true", "k2 true", "k3 true", "k4 true", "k5 true", "k6 true"]);
    expect(await credential(5)).not.toBe(k6Before);
    expect([await credential(3), await credential(4)]).toEqual([k4Before, k5Before]);
    const resetsAfter = countByHost(readCommandLedger(env.hosts.clusterStateDir), ["reset"]);
    expect(resetsAfter.k6).toBe((resetsBefore.k6 ?? 0) + 1);
    expect([resetsAfter.k4, resetsAfter.k5]).toEqual([resetsBefore.k4, resetsBefore.k5]);
    expect(appliedNames()).toEqual(["kept"]);
    // The rejoin's token was invalidated once used.
    expect(readClusterState(env.hosts.clusterStateDir).tokens).toEqual([]);

    // No join token ever issued, and no key of the backup, is in D1, the relay's log or what the CLI printed.
    const tokens = await issuedJoinTokenTexts(env);
    // k2, k3 joined at the install and at each of the two restores, k4, k5 at the install, k6 when it grew and when it was rejoined
    expect(tokens.length).toBe(3 * (3 * 2 + 2 + 2));
    const seen = [await d1Text(env), env.stack.relayLog(), grown.out, restored.out];
    const caKey = (await readFile(join(env.hosts.hosts[0]?.root ?? "", "var/lib/k0s/pki/ca.key"), "utf8")).split("\n").filter((l) => l.length > 0 && !l.startsWith("-----")).join("");
    for (const needle of [...tokens, caKey.slice(0, 40), k6Before ?? "none"]) {
      for (const text of seen) expect(text.includes(needle)).toBe(false);
    }
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
