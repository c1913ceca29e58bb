import { describe, expect, it } from "vitest";
import type { StoredHostFacts } from "../../schema/stored-facts";
import { OPERATIONS } from "../../worker/planner/operations";
import { planBackupRun } from "../../worker/planner/plan-backup";
import { planDryRun } from "../../worker/planner/plan-dry-run";
import { planRestoreRun } from "../../worker/planner/plan-restore";
import { backupAddresses, type RestoreSource } from "../../worker/planner/restore-source";
import type { RunInputs } from "../../worker/planner/run-inputs";
import { host, seedHosts, seedSpec, spec } from "./fixtures";

const running = (role: "controller+worker" | "worker", n: number): StoredHostFacts => ({
  arch: "x86_64",
  hostname: `k${n}`,
  privateAddress: `10.0.0.${n}`,
  k0s: { running: true, installedVersion: "v1.21.2+k0s.1", role },
});

function installed(): Record<string, StoredHostFacts> {
  const f: Record<string, StoredHostFacts> = {};
  for (const n of [11, 12, 13]) f[`10.0.0.${n}:22`] = running("controller+worker", n);
  for (const n of [14, 15]) f[`10.0.0.${n}:22`] = running("worker", n);
  return f;
}

const inputs = (s = seedSpec(), facts: Record<string, StoredHostFacts> = {}): RunInputs => ({ cluster: "k0s-cluster", site: "dc1", revision: 3, spec: s, lastApplied: s, appliedRevision: 3, facts });

function source(extra: Partial<RestoreSource["backup"]> = {}, reset: string | null = "k0s-cluster"): RestoreSource {
  return { backup: { id: "run_1", cluster: "k0s-cluster", status: "verified", error: null, sha256: "b".repeat(64), addresses: backupAddresses(seedSpec()), ...extra }, reset };
}

describe("backup planning (k0sctl backup)", () => {
  it("takes the backup on the first running controller, between its backup hooks", () => {
    const s = spec([host(11, "controller+worker", { hooks: { backup: { before: ["echo before"] } } }), ...seedHosts().slice(1)]);
    const facts = installed();
    facts["10.0.0.11:22"] = { ...facts["10.0.0.11:22"], k0s: { running: false } };
    const planned = planBackupRun(inputs(s), facts);
    if (!planned.ok) throw new Error(JSON.stringify(planned.issues));
    const steps = planned.plan.phases[0]?.steps ?? [];
    expect(steps.map((x) => `${x.kind}@${x.host.address}`)).toEqual(["k0s.backup@10.0.0.12"]);
    expect(steps[0]).toMatchObject({ cluster: "k0s-cluster", installPath: "/usr/local/bin/k0s", dataDir: "/var/lib/k0s" });
    expect(OPERATIONS.backup.first(inputs(s), {})).toMatchObject({ ok: true, gathers: true, hookPaths: ["spec.hosts[0].hooks.backup.before"] });
  });

  it("refuses when no controller runs k0s, as k0sctl does", () => {
    const stopped = installed();
    for (const n of [11, 12, 13]) stopped[`10.0.0.${n}:22`] = { ...stopped[`10.0.0.${n}:22`], k0s: { running: false, installedVersion: "v1.21.2+k0s.1" } };
    const planned = planBackupRun(inputs(), stopped);
    expect(planned.ok).toBe(false);
    if (!planned.ok) expect(planned.issues[0]?.message).toMatch(/failed to find a running controller/);
  });
});

describe("restore planning", () => {
  it("resets the controllers, restores onto the leader before it is initialized, joins the others and checks the workers", () => {
    const planned = planRestoreRun(inputs(), installed(), { restore: source() });
    if (!planned.ok) throw new Error(JSON.stringify(planned.issues));
    const names = planned.plan.phases.map((p) => p.name);
    expect(names[0]).toBe("Stop and reset controllers");
    expect(names.indexOf("Restore cluster state")).toBe(names.indexOf("Initialize the k0s cluster") - 1);
    expect(names.indexOf("Configure k0s")).toBeLessThan(names.indexOf("Restore cluster state"));
    expect(names.at(-1)).toBe("Check workers are Ready");
    expect(planned.plan.phases.at(-1)?.bestEffort).toBe(true);
    const reset = planned.plan.phases[0]?.steps.map((x) => `${x.kind}@${x.host.address}`);
    expect(reset).toEqual(["service.stop@10.0.0.11", "service.stop@10.0.0.12", "service.stop@10.0.0.13", "k0s.reset@10.0.0.11", "k0s.reset@10.0.0.12", "k0s.reset@10.0.0.13"]);
    const restore = planned.plan.phases.find((p) => p.name === "Restore cluster state")?.steps[0];
    expect(restore).toMatchObject({ kind: "k0s.restore", backupId: "run_1", sha256: "b".repeat(64), host: { address: "10.0.0.11" } });
    const joins = planned.plan.phases.find((p) => p.name === "Install controllers")?.steps.filter((x) => x.kind === "k0s.token.create");
    expect(joins).toHaveLength(2);
    // workers keep running: nothing reinstalls them, the last phase waits for each to be Ready
    expect(planned.plan.phases.find((p) => p.name === "Install workers")).toBeUndefined();
    const checks = planned.plan.phases.find((p) => p.name === "Check workers are Ready")?.steps;
    expect(checks?.map((x) => x.kind === "k0s.wait.ready" && x.for.what === "node" && x.for.nodeName)).toEqual(["k14", "k15"]);
  });

  it("follows up by rejoining the workers whose check failed, each with a token of its own, then disconnects", () => {
    const followUp = OPERATIONS.restore.followUp;
    if (!followUp) throw new Error("restore has no follow-up");
    const all = followUp(inputs(), installed(), { restore: source() }, new Set());
    if (!all.ok) throw new Error(JSON.stringify(all.issues));
    expect(all.plan.phases.map((p) => p.name)).toEqual(["Disconnect from hosts"]);
    expect(all.warnings).toEqual([]);

    const planned = followUp(inputs(), installed(), { restore: source() }, new Set(["restored-ready:10.0.0.15:22"]));
    if (!planned.ok) throw new Error(JSON.stringify(planned.issues));
    expect(planned.plan.phases.map((p) => p.name)).toEqual(["Rejoin workers", "Disconnect from hosts"]);
    const rejoin = planned.plan.phases[0]?.steps.map((x) => `${x.kind}@${x.host.address}`);
    expect(rejoin).toEqual([
      "k0s.token.create@10.0.0.11",
      "service.stop@10.0.0.15",
      "k0s.reset@10.0.0.15",
      "k0s.install@10.0.0.15",
      "service.start@10.0.0.15",
      "k0s.wait.ready@10.0.0.11",
      "k0s.token.invalidate@10.0.0.11",
    ]);
    const steps = planned.plan.phases[0]?.steps ?? [];
    expect(steps.find((x) => x.kind === "k0s.reset")).toMatchObject({ removeBinary: false });
    expect(steps.find((x) => x.kind === "k0s.install")).toMatchObject({ role: "worker", tokenSecret: "join-token:worker:10.0.0.15:22" });
    expect(steps.find((x) => x.kind === "k0s.token.create")).toMatchObject({ role: "worker", saveAs: "join-token:worker:10.0.0.15:22" });
    expect(planned.plan.cleanup?.map((r) => r.steps.map((x) => x.kind))).toEqual([["k0s.token.invalidate"]]);
    expect(planned.warnings).toEqual(["worker 10.0.0.15:22 (node k15) did not come back Ready after the restore: rejoining it"]);
  });

  it("refuses a running cluster without --reset naming it", () => {
    for (const reset of [null, "other-cluster"]) {
      const planned = planRestoreRun(inputs(), installed(), { restore: source({}, reset) });
      expect(planned.ok).toBe(false);
      if (!planned.ok) expect(planned.issues).toEqual([expect.objectContaining({ path: "reset", message: expect.stringMatching(/--reset k0s-cluster/) })]);
    }
  });

  it("restores onto fresh controllers without a confirmation", () => {
    const facts = installed();
    for (const n of [11, 12, 13]) facts[`10.0.0.${n}:22`] = { arch: "x86_64", hostname: `k${n}`, privateAddress: `10.0.0.${n}`, k0s: { running: false } };
    const planned = planRestoreRun(inputs(), facts, { restore: source({}, null) });
    if (!planned.ok) throw new Error(JSON.stringify(planned.issues));
    expect(planned.plan.phases[0]?.name).not.toBe("Stop and reset controllers");
  });

  it("refuses another cluster's backup, a failed or deleted one, and moved addresses, before touching any host", () => {
    const refusal = (src: RestoreSource, s = seedSpec()) => {
      const first = OPERATIONS.restore.first(inputs(s), { restore: src });
      return first.ok ? [] : first.issues.map((i) => `${i.path}: ${i.message}`);
    };
    expect(refusal(source({ cluster: "prod" }))).toEqual([expect.stringMatching(/^backup: backup run_1 is a backup of cluster prod, not of k0s-cluster/)]);
    expect(refusal(source({ status: "failed", error: "the archive lacks pki/" }))).toEqual([expect.stringMatching(/failed verification \(the archive lacks pki\/\)/)]);
    expect(refusal(source({ status: "deleted" }))).toEqual([expect.stringMatching(/deleted from the relay's store/)]);
    const moved = spec([host(11, "controller+worker"), host(12, "controller+worker"), host(16, "controller+worker"), host(14, "worker")]);
    expect(refusal(source(), moved)).toEqual([expect.stringMatching(/^spec\.hosts: the controllers are 10\.0\.0\.11:22, 10\.0\.0\.12:22, 10\.0\.0\.16:22 but were/)]);
    const lb = spec(seedHosts(), { config: { spec: { api: { externalAddress: "lb.example.com", sans: ["lb.example.com"] } } } });
    expect(refusal(source(), lb)).toEqual([expect.stringMatching(/^spec\.k0s\.config\.spec\.api\.externalAddress: is lb\.example\.com but was not set/)]);
    expect(refusal(source())).toEqual([]);
  });

  it("dry-runs through the same planning, refusing the same way", () => {
    const dry = planDryRun("restore", inputs(seedSpec(), installed()), { restore: source() });
    if (!dry.ok) throw new Error(JSON.stringify(dry.issues));
    expect(dry.plan.phases.map((p) => p.name)).toContain("Restore cluster state");
    const refused = planDryRun("restore", inputs(seedSpec(), installed()), { restore: source({}, null) });
    expect(refused.ok).toBe(false);
  });
});
