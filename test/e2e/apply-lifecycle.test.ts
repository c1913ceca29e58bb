import { readFile, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryLocalD1 } from "../../scripts/local/local-api";
import { ClusterWriteResponse, DryRunResponse } from "../../cli/responses";
import type { ClusterSpec } from "../../schema/cluster";
import { messages, nodesOf, startE2e, type E2eEnv } from "./support";

// Seed article section 2.1 (3 controller+worker, 2 workers, k0s downloaded by
// each host) through its whole life: dry run, install, no-op re-apply, grow,
// remove a worker, upgrade. Each step asserts what is on the hosts afterwards.
describe("apply: seed 2.1 lifecycle on simulated hosts", () => {
  let env: E2eEnv;
  let base: ClusterSpec;
  const d1 = (sql: string) => queryLocalD1(join(env.dir, "state", "wrangler"), sql);
  const hostFile = (i: number, path: string) => join(env.hosts.hosts[i]?.root ?? "/nonexistent", path);
  const stepKinds = async (runId: string) =>
    (await d1(`SELECT kind, host FROM run_steps WHERE run_id = '${runId}' AND status = 'succeeded'`)) as { kind: string; host: string }[];

  beforeAll(async () => {
    env = await startE2e({ count: 6, hostnames: ["k1", "k2", "k3", "k4", "k5", "k6"], firstOctet: 151 });
    base = await env.spec("seed-2.1-basic.yaml");
  });
  afterAll(async () => {
    await env?.stop();
  });

  it("a dry run returns the plan and touches nothing", async () => {
    await env.stack.admin.json("POST", "/v1/clusters", ClusterWriteResponse, { body: { site: env.stack.site, spec: base } });
    const res = await env.stack.admin.send("POST", `/v1/clusters/${base.metadata.name}/apply`, { query: { dryRun: true } });
    expect(res.status).toBe(200);
    const body = DryRunResponse.parse(await res.json());
    expect(body.dryRun).toBe(true);
    expect(body.plan.phases.map((p) => p.name)).toEqual(expect.arrayContaining(["Initialize the k0s cluster", "Install controllers", "Install workers"]));
    expect(body.changes.hostsAdded).toHaveLength(5);
    expect(await d1(`SELECT id FROM runs WHERE operation = 'apply'`)).toEqual([]);
    for (let i = 0; i < 5; i++) await expect(stat(hostFile(i, "usr/local/bin/k0s"))).rejects.toThrow();
    expect(env.download.requests).toEqual([]);
  });

  it("installs the cluster: binaries, configs, services, five Ready nodes, tokens invalidated", async () => {
    const run = await env.apply(base);
    expect(run.status, run.error ?? "").toBe("succeeded");
    const said = messages(run);
    const order = ["Connect to hosts", "Gather k0s facts", "Configure k0s", "Initialize the k0s cluster", "Install controllers", "Install workers", "Disconnect from hosts"];
    const at = order.map((p) => said.indexOf(`==> Running phase: ${p}`));
    expect(at.every((i) => i >= 0), JSON.stringify(said)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);

    for (let i = 0; i < 5; i++) {
      expect((await env.ssh(i, "k0s version")).stdout.trim()).toBe("v1.21.2+k0s.1");
      expect(((await stat(hostFile(i, "usr/local/bin/k0s"))).mode & 0o777).toString(8)).toBe("755");
    }
    expect(env.download.requests.filter((r) => r.startsWith("/k0s-v1.21.2+k0s.1-"))).toHaveLength(5);
    for (let i = 0; i < 3; i++) {
      const cfg = hostFile(i, "etc/k0s/k0s.yaml");
      expect(((await stat(cfg)).mode & 0o777).toString(8)).toBe("600");
      const text = await readFile(cfg, "utf8");
      for (const addr of [env.ip(11), env.ip(12), env.ip(13)]) expect(text).toContain(addr);
      expect((await env.ssh(i, "systemctl is-active k0scontroller")).stdout.trim()).toBe("active");
    }
    for (const i of [3, 4]) {
      expect((await env.ssh(i, "systemctl is-active k0sworker")).stdout.trim()).toBe("active");
      await expect(stat(hostFile(i, "etc/k0s/k0s.yaml"))).rejects.toThrow();
    }
    const nodes = await nodesOf(env);
    expect(nodes.map((n) => n.name)).toEqual(["k1", "k2", "k3", "k4", "k5"]);
    expect(nodes.every((n) => n.ready)).toBe(true);
    // Join tokens are single-use: none is left valid after the install.
    expect((await env.ssh(0, "k0s token list")).stdout).toContain("No k0s join tokens found");
    // …and the joiners' token files no longer hold them.
    for (const i of [1, 2, 3, 4]) {
      const file = hostFile(i, "etc/k0s/k0stoken");
      expect(((await stat(file)).mode & 0o777).toString(8)).toBe("600");
      expect(await readFile(file, "utf8")).toMatch(/^# join token used and invalidated/);
    }
    const [cluster] = await d1(`SELECT applied_revision FROM clusters WHERE name = 'k0s-cluster'`);
    expect(cluster?.applied_revision).toBe(1);
  });

  it("join tokens never reach D1, run events or the relay's log", async () => {
    const ledger = join(env.simDir, "cluster-state", "issued-tokens");
    const issued = await Promise.all(
      (await readdir(ledger)).map(async (f) => JSON.parse(await readFile(join(ledger, f), "utf8")) as { id: string; secret: string; token: string }),
    );
    expect(issued.length).toBe(4); // 2 controllers + 2 workers joined
    const tables = ["clusters", "cluster_revisions", "api_tokens", "relays", "runs", "run_steps", "run_events", "audit_log"];
    const rows: unknown[] = [];
    for (const t of tables) rows.push(await d1(`SELECT * FROM ${t}`));
    const dump = JSON.stringify(rows);
    const logs = env.stack.relayLog();
    expect(logs.length).toBeGreaterThan(0);
    for (const t of issued) {
      for (const needle of [t.token, t.secret, `${t.id}.${t.secret}`]) {
        expect(dump.includes(needle)).toBe(false);
        expect(logs.includes(needle)).toBe(false);
      }
    }
  });

  it("hands an admin the kubeconfig with the leader's address, and keeps no copy", async () => {
    const res = await fetch(`${env.stack.api.url}/v1/clusters/k0s-cluster/kubeconfig`, { headers: { Authorization: `Bearer ${env.stack.api.adminToken}` } });
    expect(res.status).toBe(200);
    const kubeconfig = await res.text();
    expect(kubeconfig).toContain(`server: https://${env.ip(11)}:6443`);
    const key = /client-key-data: (\S+)/.exec(kubeconfig)?.[1];
    expect(key && key.length > 100).toBe(true);
    const tables = ["clusters", "cluster_revisions", "runs", "run_steps", "run_events", "audit_log"];
    for (const t of tables) expect(JSON.stringify(await d1(`SELECT * FROM ${t}`)).includes(String(key))).toBe(false);
    const [audit] = await d1(`SELECT action, outcome FROM audit_log WHERE action = 'cluster.kubeconfig' ORDER BY seq DESC LIMIT 1`);
    expect(audit).toEqual({ action: "cluster.kubeconfig", outcome: "ok" });
  });

  it("refuses a spec with hooks before touching any host when the relay forbids hooks", async () => {
    const hooked = await env.spec("seed-2.1-basic.yaml", (y) =>
      y.replace("    role: worker\n", "    role: worker\n    hooks:\n      apply:\n        before:\n        - touch /root/hook-ran\n"),
    );
    const run = await env.apply(hooked);
    expect(run.status).toBe("failed");
    expect(run.error).toMatch(/hook/i);
    const [steps] = await d1(`SELECT COUNT(*) AS n FROM run_steps WHERE run_id = '${run.id}' AND status IN ('succeeded','failed','running')`);
    expect(steps).toEqual({ n: 0 });
    await expect(stat(hostFile(3, "root/hook-ran"))).rejects.toThrow();
  });

  it("re-applying the same spec installs and uploads nothing", async () => {
    const downloads = env.download.requests.length;
    const run = await env.apply(base);
    expect(run.status, run.error ?? "").toBe("succeeded");
    const kinds = (await stepKinds(run.id)).map((s) => s.kind);
    for (const k of ["k0s.binary.stage", "k0s.binary.install", "k0s.install", "service.start", "k0s.token.create", "file.upload"]) expect(kinds).not.toContain(k);
    expect(env.download.requests.length).toBe(downloads);
    expect((await nodesOf(env)).every((n) => n.ready)).toBe(true);
  });

  it("a changed k0s config is written and running controllers restart one at a time", async () => {
    const changed = await env.spec("seed-2.1-basic.yaml", (y) => y.replace("          k0sApiPort: 9443\n", "          k0sApiPort: 9443\n          extraArgs:\n            audit-log-maxage: \"30\"\n"));
    const run = await env.apply(changed);
    expect(run.status, run.error ?? "").toBe("succeeded");
    for (let i = 0; i < 3; i++) expect(await readFile(hostFile(i, "etc/k0s/k0s.yaml"), "utf8")).toContain("audit-log-maxage");
    // Each controller is back (readyz) before the next one restarts, so etcd keeps its quorum.
    const said = messages(run).filter((m) => m.includes("restarted service k0scontroller") || m.includes("/readyz ok"));
    const hosts = [env.ip(11), env.ip(12), env.ip(13)];
    expect(said.filter((m) => m.includes("restarted")).map((m) => hosts.find((h) => m.includes(h)))).toEqual(expect.arrayContaining(hosts));
    for (let i = 0; i + 1 < said.length; i += 2) {
      expect(said[i]).toContain("restarted service k0scontroller");
      expect(said[i + 1]).toContain("/readyz ok");
    }
    expect((await nodesOf(env)).every((n) => n.ready)).toBe(true);
    base = changed;
  });

  it("adding a worker joins only that host", async () => {
    const grown = await env.spec("seed-2.1-basic.yaml", (y) =>
      y.replace(
        /\n {2}k0s:\n/,
        "\n  - ssh:\n      address: 127.0.0.16\n      keyPath: ${KEEL_SIM_DIR}/id_ed25519\n    role: worker\n    k0sDownloadURL: ${KEEL_K0S_URL}/k0s-%v-%p\n  k0s:\n",
      ),
    );
    const run = await env.apply(grown);
    expect(run.status, run.error ?? "").toBe("succeeded");
    const installs = (await stepKinds(run.id)).filter((s) => s.kind === "k0s.install").map((s) => s.host);
    expect(installs).toEqual([`${env.ip(16)}:22`]);
    const nodes = await nodesOf(env);
    expect(nodes.map((n) => n.name)).toEqual(["k1", "k2", "k3", "k4", "k5", "k6"]);
    expect(nodes.every((n) => n.ready)).toBe(true);
    base = grown;
  });

  it("reset: true removes that worker cleanly", async () => {
    const shrunk = await env.spec("seed-2.1-basic.yaml", (y) =>
      y.replace(
        /\n {2}k0s:\n/,
        "\n  - ssh:\n      address: 127.0.0.16\n      keyPath: ${KEEL_SIM_DIR}/id_ed25519\n    role: worker\n    reset: true\n    k0sDownloadURL: ${KEEL_K0S_URL}/k0s-%v-%p\n  k0s:\n",
      ),
    );
    const run = await env.apply(shrunk);
    expect(run.status, run.error ?? "").toBe("succeeded");
    expect((await nodesOf(env)).map((n) => n.name)).toEqual(["k1", "k2", "k3", "k4", "k5"]);
    expect((await env.ssh(5, "systemctl is-active k0sworker")).stdout.trim()).not.toBe("active");
    expect(await readdir(hostFile(5, "var/lib/k0s")).then((f) => f.filter((n) => !n.startsWith(".")))).toEqual([]);
    base = shrunk;
  });

  it("raising spec.k0s.version upgrades every host, controllers one at a time", async () => {
    const upgraded = await env.spec("seed-2.1-basic.yaml", (y) => y.replace("version: 1.21.2+k0s.1", "version: 1.22.4+k0s.0"));
    const run = await env.apply(upgraded);
    expect(run.status, run.error ?? "").toBe("succeeded");
    for (let i = 0; i < 5; i++) expect((await env.ssh(i, "k0s version")).stdout.trim()).toBe("v1.22.4+k0s.0");
    const nodes = await nodesOf(env);
    expect(nodes.every((n) => n.ready && n.version.includes("1.22.4"))).toBe(true);
    const said = messages(run);
    expect(said).toContain("==> Running phase: Upgrade controllers");
    expect(said).toContain("==> Running phase: Upgrade workers");
    expect((await env.ssh(0, "k0s kubectl get nodes -o json")).stdout).not.toContain('"unschedulable": true');
  });

  it("a downgrade is refused before any host is touched", async () => {
    const older = await env.spec("seed-2.1-basic.yaml", (y) => y.replace("version: 1.21.2+k0s.1", "version: 1.21.1+k0s.0"));
    const run = await env.apply(older);
    expect(run.status).toBe("failed");
    expect(run.error).toMatch(/downgrade/i);
    for (let i = 0; i < 5; i++) expect((await env.ssh(i, "k0s version")).stdout.trim()).toBe("v1.22.4+k0s.0");
  });
});
