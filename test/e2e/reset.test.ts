import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCommandLedger, type CommandRecord } from "../../sim/harness";
import { d1Text, issuedJoinTokenTexts, keelCli, startE2e, type E2eEnv } from "./support";

// `keel reset` on seed 2.1's cluster (3 controller+worker, 2 workers), run
// through the real CLI against the local API and relay; what is asserted is
// on the hosts and in the k0s stand-in's own ledger of commands.
const FIRST_OCTET = 131;
const HOSTNAMES = ["k1", "k2", "k3", "k4", "k5"];
const NAME = "k0s-cluster";

describe("keel reset: seed 2.1 on simulated hosts", () => {
  let env: E2eEnv;
  const hostFile = (i: number, path: string) => join(env.hosts.hosts[i]?.root ?? "/nonexistent", path);
  const exists = (i: number, path: string) => stat(hostFile(i, path)).then(() => true, () => false);
  const ledger = (): CommandRecord[] => readCommandLedger(env.hosts.clusterStateDir);
  /** k0s commands that change a host: anything a reset runs. */
  const destructive = (r: CommandRecord) => ["reset", "stop"].includes(r.argv[0] ?? "") || (r.argv[0] === "etcd" && r.argv[1] === "leave");

  beforeAll(async () => {
    env = await startE2e({ count: 5, hostnames: HOSTNAMES, firstOctet: FIRST_OCTET });
    const run = await env.apply(await env.spec("seed-2.1-basic.yaml"));
    if (run.status !== "succeeded") throw new Error(`apply failed: ${run.error ?? run.status}`);
  });
  afterAll(async () => {
    await env?.stop();
  });

  it("refuses a reset without the cluster's name as --confirm, and touches nothing", async () => {
    const missing = await keelCli(env, ["reset", NAME]);
    expect(missing.code, missing.out).toBe(2);
    const wrong = await keelCli(env, ["reset", NAME, "--confirm", "other-cluster"]);
    expect(wrong.code, wrong.out).toBe(2);
    expect(wrong.out).toContain(`--confirm ${NAME}`);
    // The API refuses on its own too, whatever client calls it.
    const api = await env.stack.admin.send("POST", `/v1/clusters/${NAME}/reset`, { query: { confirm: "other-cluster" } });
    expect(api.status).toBe(400);
    expect(JSON.stringify(await api.json())).toContain("query.confirm");
    expect(ledger().filter(destructive)).toEqual([]);
    for (let i = 0; i < 5; i++) expect(await exists(i, "usr/local/bin/k0s")).toBe(true);
  });

  it("a dry run prints the plan and touches nothing", async () => {
    const before = ledger().length;
    const dry = await keelCli(env, ["reset", NAME, "--dry-run"]);
    expect(dry.code, dry.out).toBe(0);
    expect(dry.out).toContain("Reset workers");
    expect(dry.out).toContain("Reset leader");
    // Nothing but reads ran on the hosts (a dry run plans from stored facts).
    expect(ledger().slice(before).filter(destructive)).toEqual([]);
    for (let i = 0; i < 3; i++) expect((await env.ssh(i, "systemctl is-active k0scontroller")).stdout.trim()).toBe("active");
    for (let i = 3; i < 5; i++) expect((await env.ssh(i, "systemctl is-active k0sworker")).stdout.trim()).toBe("active");
  });

  it("resets every host: workers, then controllers one at a time leaving etcd, the leader last; nothing of k0s is left", async () => {
    const before = ledger().length;
    const res = await keelCli(env, ["reset", NAME, "--confirm", NAME]);
    expect(res.code, res.out).toBe(0);

    for (let i = 0; i < 5; i++) {
      expect(await exists(i, "usr/local/bin/k0s"), `k${i + 1} binary`).toBe(false);
      expect(await exists(i, "etc/k0s/k0s.yaml"), `k${i + 1} config`).toBe(false);
      for (const unit of ["k0scontroller", "k0sworker"]) expect(await exists(i, `etc/systemd/system/${unit}.service`), `k${i + 1} ${unit}`).toBe(false);
      const data = (await readdir(hostFile(i, "var/lib/k0s")).catch(() => [])).filter((n) => !n.startsWith("."));
      expect(data, `k${i + 1} data dir`).toEqual([]);
    }

    const ran = ledger().slice(before);
    const resets = ran.filter((r) => r.argv[0] === "reset").map((r) => r.host);
    expect(resets.slice(0, 2).sort()).toEqual(["k4", "k5"]);
    expect(resets.slice(2, 4).sort()).toEqual(["k2", "k3"]);
    expect(resets[4]).toBe("k1");
    expect(ran.filter((r) => r.argv[0] === "reset").every((r) => r.exitCode === 0)).toBe(true);

    // Each non-leader controller left etcd by its own peer address, one after the other, before its reset.
    const leaves = ran.filter((r) => r.argv[0] === "etcd" && r.argv[1] === "leave");
    expect(leaves.map((r) => r.exitCode)).toEqual([0, 0]);
    const peers = leaves.map((r) => r.argv.find((a) => a.startsWith("--peer-address"))?.split("=")[1]);
    expect(new Set(peers).size).toBe(2);
    const second = leaves[1];
    expect(second && leaves[0]?.endedAt && leaves[0].endedAt <= second.startedAt).toBe(true);
    for (const leave of leaves) {
      const reset = ran.find((r) => r.argv[0] === "reset" && r.host === leave.host);
      expect(reset && leave.endedAt && leave.endedAt <= reset.startedAt).toBe(true);
    }
    // The members that left were the ones being reset: the leader's stays until its own reset ends the cluster.
    const members = (await readdir(join(env.hosts.clusterStateDir, "etcd")).catch(() => [])).map((f) => f.replace(/\.json$/, ""));
    expect(members).toEqual(["k1"]);
  });

  it("leaves no join token of the cluster's life in D1 or the relay's log", async () => {
    const tokens = await issuedJoinTokenTexts(env);
    expect(tokens.length).toBeGreaterThan(0);
    const seen = [await d1Text(env), env.stack.relayLog()];
    for (const needle of tokens) for (const text of seen) expect(text.includes(needle)).toBe(false);
  });
});
