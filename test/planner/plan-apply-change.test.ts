import { describe, expect, it } from "vitest";
import { batchesOf } from "../../worker/planner/plan";
import { planApply } from "../../worker/planner/plan-apply";
import { V1, V2, batchIds, hostAt, expectOk, expectRefused, host, phase, phaseNames, runningFacts, seedHosts, seedSpec, spec } from "./fixtures";

describe("planApply: upgrades", () => {
  const before = seedSpec();
  const after = spec(seedHosts(), { version: V2, config: { spec: { storage: { type: "etcd" }, telemetry: { enabled: false } } } });
  const r = planApply(after, runningFacts(before, V1), before);
  expectOk(r);

  it("stages the new binary, then upgrades controllers before workers", () => {
    expect(phaseNames(r.plan)).toEqual(["Stage k0s binaries on hosts", "Configure k0s", "Upgrade controllers", "Upgrade workers", "Disconnect from hosts"]);
    expect(phase(r.plan, "Stage k0s binaries on hosts").steps.map((s) => s.id)).toEqual([11, 12, 13, 14, 15].map((n) => `stage:10.0.0.${n}:22`));
    expect(r.changes.version).toEqual({ from: "v1.21.2+k0s.1", to: "v1.22.4+k0s.0" });
  });

  it("validates a changed config with the staged binary, without a restart (the upgrade restarts)", () => {
    const cfg = phase(r.plan, "Configure k0s");
    expect(cfg.steps.map((s) => s.kind === "k0s.config.write" && s.validateWith)).toEqual(Array(3).fill("/usr/local/bin/k0s.tmp.v1.22.4+k0s.0"));
    expect(cfg.steps.map((s) => s.kind)).not.toContain("service.restart");
  });

  it("leaves the config alone when only the version changes", () => {
    const res = planApply(spec(seedHosts(), { version: V2 }), runningFacts(before, V1), before);
    expectOk(res);
    expect(phaseNames(res.plan)).not.toContain("Configure k0s");
  });

  it("upgrades controllers strictly one at a time, draining controller+worker nodes", () => {
    const batches = batchIds(r.plan, "Upgrade controllers");
    expect(batches.every((b) => b.length === 1)).toBe(true);
    const seq = (n: number) =>
      ["cordon", "drain", "stop", "binary-install", "install", "start", "readyz", "node-ready", "uncordon"].map((what) => [`${what}:10.0.0.${n}:22`]);
    expect(batches).toEqual([...seq(11), ...seq(12), ...seq(13)]);
    const steps = phase(r.plan, "Upgrade controllers").steps;
    expect(steps.find((s) => s.id === "install:10.0.0.12:22")).toMatchObject({ kind: "k0s.install", force: true, role: "controller" });
    expect(steps.find((s) => s.id === "install:10.0.0.12:22")).not.toHaveProperty("tokenSecret");
    expect(steps.find((s) => s.id === "drain:10.0.0.12:22")).toMatchObject({
      host: { address: "10.0.0.11" },
      nodeName: "k2.node",
      gracePeriodSeconds: 120,
      timeoutSeconds: 300,
      force: true,
      ignoreDaemonSets: true,
      deleteEmptyDirData: true,
    });
  });

  it("upgrades workers side by side within a disruption batch: cordon → drain → stop → binary → install --force → start → Ready → uncordon", () => {
    const big = spec([host(11, "controller"), ...Array.from({ length: 12 }, (_, i) => host(20 + i, "worker"))], { version: V2 }, { concurrency: { workerDisruptionPercent: 20 } });
    const res = planApply(big, runningFacts(big, V1), big);
    expectOk(res);
    const batches = batchesOf(phase(res.plan, "Upgrade workers"));
    // 20% of 12 workers = 2.4 → 2 at a time: 6 groups of 8 steps, side by side.
    expect(batches).toHaveLength(6 * 8);
    expect(batches.every((b) => b.length === 2)).toBe(true);
    expect(batches.slice(0, 8).map((b) => b.map((s) => s.id))).toEqual(
      ["cordon", "drain", "stop", "binary-install", "install", "start", "node-ready", "uncordon"].map((what) => [`${what}:10.0.0.20:22`, `${what}:10.0.0.21:22`]),
    );
  });

  it("batches 10% of 12 workers one at a time (rounded down, never above the budget)", () => {
    const big = spec([host(11, "controller"), ...Array.from({ length: 12 }, (_, i) => host(20 + i, "worker"))], { version: V2 });
    const res = planApply(big, runningFacts(big, V1), big);
    expectOk(res);
    expect(batchesOf(phase(res.plan, "Upgrade workers")).every((b) => b.length === 1)).toBe(true);
  });

  it("refuses a downgrade, naming spec.k0s.version", () => {
    const older = spec(seedHosts(), { version: "1.20.0+k0s.0" });
    expect(expectRefused(planApply(older, runningFacts(before, V1), before))).toEqual(
      expect.arrayContaining([{ path: "spec.k0s.version", message: expect.stringContaining("downgrades are not supported") }]),
    );
  });

  it("does not drain when drain is disabled, and does not wait for nodes when wait is disabled", () => {
    const s = spec(seedHosts(), { version: V2 }, { drain: { enabled: false }, wait: { enabled: false } });
    const res = planApply(s, runningFacts(before, V1), before);
    expectOk(res);
    const kinds = phase(res.plan, "Upgrade workers").steps.map((x) => x.kind);
    expect(kinds).not.toContain("kube.drain");
    expect(kinds).not.toContain("kube.cordon");
    expect(kinds).not.toContain("k0s.wait.ready");
  });
});

describe("planApply: reset", () => {
  const before = seedSpec();

  it("removes a worker marked reset: drain, stop, k0s reset, delete its node — nothing else", () => {
    const hosts = seedHosts();
    hosts[4] = host(15, "worker", { reset: true });
    const r = planApply(spec(hosts), runningFacts(before, V1), before);
    expectOk(r);
    expect(phaseNames(r.plan)).toEqual(["Reset workers", "Disconnect from hosts"]);
    expect(batchIds(r.plan, "Reset workers")).toEqual([["drain:10.0.0.15:22"], ["stop:10.0.0.15:22"], ["reset:10.0.0.15:22"], ["node-delete:10.0.0.15:22"]]);
    const steps = phase(r.plan, "Reset workers").steps;
    expect(steps.map((s) => s.host.address)).toEqual(["10.0.0.11", "10.0.0.15", "10.0.0.15", "10.0.0.11"]);
    expect(steps[2]).toMatchObject({ kind: "k0s.reset", dataDir: "/var/lib/k0s", configPath: "/etc/k0s/k0s.yaml", removeBinary: true });
    expect(r.changes.hostsReset).toEqual(["10.0.0.15:22"]);
  });

  it("removes a controller: leaves etcd on itself while k0s still runs, before stopping", () => {
    const hosts = seedHosts();
    hosts[2] = host(13, "controller+worker", { reset: true });
    const r = planApply(spec(hosts), runningFacts(before, V1), before);
    expectOk(r);
    expect(batchIds(r.plan, "Reset controllers")).toEqual([
      ["drain:10.0.0.13:22"],
      ["etcd-leave:10.0.0.13:22"],
      ["stop:10.0.0.13:22"],
      ["reset:10.0.0.13:22"],
      ["node-delete:10.0.0.13:22"],
    ]);
    expect(phase(r.plan, "Reset controllers").steps[1]).toMatchObject({ kind: "k0s.etcd.leave", host: { address: "10.0.0.13" }, peerAddress: "192.168.0.13" });
    // The leaving controller drops out of the others' sans: they get the new config, one restart at a time.
    expect(batchesOf(phase(r.plan, "Configure k0s"))[0]?.map((s) => s.id)).toEqual(["config:10.0.0.11:22", "config:10.0.0.12:22"]);
  });

  it("asks the leader to remove the etcd member of a controller that is already down", () => {
    const hosts = seedHosts();
    hosts[2] = host(13, "controller+worker", { reset: true });
    const facts = runningFacts(before, V1);
    const h13 = facts.hosts["10.0.0.13:22"];
    if (h13) h13.k0s = { running: false, installedVersion: "v1.21.2+k0s.1", nodeName: "k3.node" };
    const r = planApply(spec(hosts), facts, before);
    expectOk(r);
    expect(batchIds(r.plan, "Reset controllers")).toEqual([["etcd-leave:10.0.0.13:22"], ["reset:10.0.0.13:22"], ["node-delete:10.0.0.13:22"]]);
    expect(phase(r.plan, "Reset controllers").steps[0]).toMatchObject({ host: { address: "10.0.0.11" }, peerAddress: "192.168.0.13" });
  });

  it("refuses to reset every controller", () => {
    const s = spec([host(11, "controller", { reset: true }), host(12, "worker")]);
    expect(expectRefused(planApply(s, runningFacts(s, V1), s))).toEqual([expect.objectContaining({ path: "spec.hosts[0].reset" })]);
  });

  it("refuses when the only running controller is marked reset and a new one would start a second cluster", () => {
    const s = spec([host(11, "controller", { reset: true }), host(12, "controller"), host(13, "worker")]);
    const facts = runningFacts(s, V1, [12]);
    expect(expectRefused(planApply(s, facts, null))).toEqual([expect.objectContaining({ path: "spec.hosts[0].reset" })]);
  });
});

describe("planApply: refusals", () => {
  it("refuses kine on SQLite with two controllers", () => {
    const s = spec([host(11, "controller"), host(12, "controller")], { config: { spec: { storage: { type: "etcd" } } } });
    s.spec.k0s.config = { spec: { storage: { type: "kine" } } }; // a stored revision, parsed long ago
    expect(expectRefused(planApply(s, runningFacts(s, V1, [11, 12]), null))).toEqual([expect.objectContaining({ path: "spec.k0s.config.spec.storage" })]);
  });

  it("refuses to change the storage type of a running cluster", () => {
    const before = spec([host(11, "controller")]);
    const after = spec([host(11, "controller")], { config: { spec: { storage: { type: "kine" } } } });
    expect(expectRefused(planApply(after, runningFacts(before, V1), before))).toEqual([expect.objectContaining({ path: "spec.k0s.config.spec.storage.type" })]);
  });

  it("refuses to change a running host's role", () => {
    const before = seedSpec();
    const hosts = seedHosts();
    hosts[3] = host(14, "controller");
    expect(expectRefused(planApply(spec(hosts), runningFacts(before, V1), before))).toEqual([expect.objectContaining({ path: "spec.hosts[3].role" })]);
  });

  it("refuses a single host next to others, and hosts without facts", () => {
    const s = spec([host(11, "controller")]);
    s.spec.hosts.push(hostAt(spec([host(12, "single")]), 0)); // a stored revision, parsed long ago
    const errors = expectRefused(planApply(s, runningFacts(spec([host(11, "controller")]), V1), null));
    expect(errors.map((e) => e.path)).toEqual(expect.arrayContaining(["spec.hosts[1]", "spec.hosts[1].role"]));
  });

  it("refuses a missing version unless the caller resolved one", () => {
    const s = spec([host(11, "controller")], { version: undefined });
    expect(expectRefused(planApply(s, runningFacts(s, V1, [11]), null))).toEqual([expect.objectContaining({ path: "spec.k0s.version" })]);
    expect(planApply(s, runningFacts(s, V1, [11]), null, { k0sVersion: V1 }).ok).toBe(true);
  });

  it("refuses node steps for a host whose node name is unknown", () => {
    const s = spec([host(11, "controller"), host(12, "worker")]);
    const facts = runningFacts(s, V1, [12]);
    const h12 = facts.hosts["10.0.0.12:22"];
    if (h12) delete h12.hostname;
    expect(expectRefused(planApply(s, facts, null))).toEqual([expect.objectContaining({ path: "spec.hosts[1].hostname" })]);
  });

  it("refuses useExistingK0s on a host without k0s", () => {
    const s = spec([host(11, "controller", { useExistingK0s: true })]);
    expect(expectRefused(planApply(s, runningFacts(s, V1, [11]), null))).toEqual([expect.objectContaining({ path: "spec.hosts[0].useExistingK0s" })]);
  });
});
