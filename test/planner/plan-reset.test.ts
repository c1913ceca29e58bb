import { describe, expect, it } from "vitest";
import type { StoredHostFacts } from "../../schema/stored-facts";
import { planDryRun } from "../../worker/planner/plan-dry-run";
import { planResetRun } from "../../worker/planner/plan-reset";
import { seedHosts, spec } from "./fixtures";

const running = (role: "controller" | "controller+worker" | "worker"): StoredHostFacts => ({ arch: "x86_64", hostname: "n", privateAddress: "10.0.0.1", k0s: { running: true, installedVersion: "v1.21.2+k0s.1", role } });
const inputs = (facts: Record<string, StoredHostFacts> = {}) => ({ cluster: "k0s-cluster", site: "dc1", revision: 3, spec: spec(seedHosts()), lastApplied: null, appliedRevision: 3, facts });

function installed(): Record<string, StoredHostFacts> {
  const f: Record<string, StoredHostFacts> = {};
  for (const n of [11, 12, 13]) f[`10.0.0.${n}:22`] = { ...running("controller+worker"), privateAddress: `10.0.0.${n}`, hostname: `k${n}` };
  for (const n of [14, 15]) f[`10.0.0.${n}:22`] = { ...running("worker"), privateAddress: `10.0.0.${n}`, hostname: `w${n}` };
  return f;
}

describe("cluster reset planning (k0sctl reset)", () => {
  it("resets workers first, then controllers one at a time leaving etcd, the leader last, and removes every binary", () => {
    const planned = planResetRun(inputs(), installed());
    if (!planned.ok) throw new Error(JSON.stringify(planned.issues));
    expect(planned.plan.phases.map((p) => p.name)).toEqual(["Reset workers", "Reset controllers", "Reset leader", "Disconnect from hosts"]);
    const [workers, controllers, leader] = planned.plan.phases;
    expect(workers?.steps.map((s) => `${s.kind}@${s.host.address}`)).toEqual(["service.stop@10.0.0.14", "service.stop@10.0.0.15", "k0s.reset@10.0.0.14", "k0s.reset@10.0.0.15"]);
    expect(controllers?.steps.map((s) => `${s.kind}@${s.id.split(":")[1]}`)).toEqual([
      "k0s.etcd.leave@10.0.0.12",
      "service.stop@10.0.0.12",
      "k0s.reset@10.0.0.12",
      "k0s.etcd.leave@10.0.0.13",
      "service.stop@10.0.0.13",
      "k0s.reset@10.0.0.13",
    ]);
    // one step per batch: nothing of the next controller starts before the previous one is gone
    expect(controllers?.barriers).toEqual([1, 2, 3, 4, 5]);
    expect(leader?.steps.map((s) => `${s.kind}@${s.host.address}`)).toEqual(["service.stop@10.0.0.11", "k0s.reset@10.0.0.11"]);
    for (const step of planned.plan.phases.flatMap((p) => p.steps)) if (step.kind === "k0s.reset") expect(step.removeBinary).toBe(true);
    expect(Object.values(planned.expected ?? {}).every((k) => !k.running)).toBe(true);
  });

  it("has nothing to do on hosts without k0s, and says so", () => {
    const facts = installed();
    for (const n of [12, 13, 14, 15]) facts[`10.0.0.${n}:22`] = { arch: "x86_64", hostname: `h${n}`, k0s: { running: false } };
    const planned = planResetRun(inputs(), facts);
    if (!planned.ok) throw new Error("refused");
    expect(planned.plan.phases.flatMap((p) => p.steps).filter((s) => s.kind === "k0s.reset")).toHaveLength(1);
    expect(planned.warnings.filter((w) => w.includes("nothing to reset"))).toHaveLength(4);
  });

  it("dry-runs through the same planning, from the stored facts", () => {
    const dry = planDryRun("reset", inputs(installed()), {});
    if (!dry.ok) throw new Error("refused");
    expect(dry.plan.phases.map((p) => p.name)).toContain("Reset leader");
    expect(dry.plan.phases[0]?.name).toBe("Connect to hosts");
  });
});
