import { describe, expect, it } from "vitest";
import { validateClusterObject } from "../../schema/cluster-load";
import type { ClusterSpec } from "../../schema/cluster";
import { Step } from "../../schema/steps";
import { PlanError } from "../../worker/planner/plan";
import { FACTS_PHASES, planFacts } from "../../worker/planner/plan-facts";

function spec(hosts: unknown[], options?: unknown): ClusterSpec {
  const result = validateClusterObject({
    apiVersion: "k0sctl.k0sproject.io/v1beta1",
    kind: "Cluster",
    metadata: { name: "plan-test" },
    spec: { hosts, ...(options ? { options } : {}) },
  });
  if (!result.ok) throw new Error(`fixture spec is invalid: ${JSON.stringify(result.errors)}`);
  return result.spec;
}

const ssh = (address: string, role = "controller+worker", extra: Record<string, unknown> = {}) => ({ ssh: { address, keyPath: "/home/relay/.ssh/id_ed25519", ...extra }, role });

function planError(fn: () => unknown): PlanError {
  try {
    fn();
  } catch (err) {
    if (err instanceof PlanError) return err;
    throw err;
  }
  throw new Error("expected a PlanError");
}

describe("planFacts", () => {
  it("plans the three k0sctl phases in order, one step per host, with deterministic ids", () => {
    const plan = planFacts(spec([ssh("127.0.0.11"), ssh("127.0.0.12", "worker", { port: 2222, user: "ops" })]));
    expect(plan.phases.map((p) => p.name)).toEqual([FACTS_PHASES.connect, FACTS_PHASES.os, FACTS_PHASES.facts]);
    expect(plan.phases.map((p) => p.steps.map((s) => s.id))).toEqual([
      ["connect:127.0.0.11:22", "connect:127.0.0.12:2222"],
      ["os:127.0.0.11:22", "os:127.0.0.12:2222"],
      ["facts:127.0.0.11:22", "facts:127.0.0.12:2222"],
    ]);
    expect(plan.phases.map((p) => p.steps.map((s) => s.kind))).toEqual([
      ["host.connect", "host.connect"],
      ["host.os", "host.os"],
      ["host.facts", "host.facts"],
    ]);
    expect(plan.phases[0]?.steps[1]?.host).toEqual({ address: "127.0.0.12", port: 2222, user: "ops", keyPath: "/home/relay/.ssh/id_ed25519" });
  });

  it("gives the same plan for the same spec (pure)", () => {
    const s = spec([ssh("127.0.0.11"), ssh("127.0.0.12", "worker")]);
    expect(planFacts(s)).toEqual(planFacts(s));
  });

  it("produces steps the relay's schema accepts", () => {
    const plan = planFacts(spec([ssh("127.0.0.11", "controller", { bastion: { address: "10.1.0.1", user: "jump", keyPath: "/k" } }), { ...ssh("127.0.0.12", "worker"), privateInterface: "eth1" }]));
    for (const step of plan.phases.flatMap((p) => p.steps)) expect(Step.safeParse(step).success).toBe(true);
  });

  it("defaults user root and port 22, and carries the bastion", () => {
    const plan = planFacts(spec([ssh("127.0.0.11", "controller", { bastion: { address: "10.1.0.1", user: "jump", port: 2200, keyPath: "/k" } })]));
    expect(plan.phases[0]?.steps[0]?.host).toEqual({
      address: "127.0.0.11",
      port: 22,
      user: "root",
      keyPath: "/home/relay/.ssh/id_ed25519",
      bastion: { address: "10.1.0.1", port: 2200, user: "jump", keyPath: "/k" },
    });
  });

  it("passes a pinned privateInterface to the facts step only", () => {
    const plan = planFacts(spec([{ ...ssh("127.0.0.11", "controller"), privateInterface: "eth1" }, ssh("127.0.0.12", "worker")]));
    const facts = plan.phases[2]?.steps ?? [];
    expect(facts[0]).toMatchObject({ kind: "host.facts", privateInterface: "eth1" });
    expect(facts[1]).not.toHaveProperty("privateInterface");
    expect(plan.phases[0]?.steps[0]).not.toHaveProperty("privateInterface");
  });

  it("takes the concurrency limit from spec.options (default 30)", () => {
    expect(planFacts(spec([ssh("127.0.0.11", "controller")])).concurrency).toBe(30);
    expect(planFacts(spec([ssh("127.0.0.11", "controller")], { concurrency: { limit: 2 } })).concurrency).toBe(2);
  });

  it("maps openSSH hosts to the same target fields", () => {
    const plan = planFacts(spec([{ openSSH: { address: "127.0.0.11", user: "ops", port: 2022, keyPath: "/k" }, role: "controller" }, { openSSH: { address: "127.0.0.12" }, role: "worker" }]));
    expect(plan.phases[0]?.steps.map((s) => s.host)).toEqual([
      { address: "127.0.0.11", port: 2022, user: "ops", keyPath: "/k" },
      { address: "127.0.0.12", port: 22, user: "root" },
    ]);
  });

  it("refuses openSSH configPath, naming the field", () => {
    const err = planError(() => planFacts(spec([ssh("127.0.0.11", "controller"), { openSSH: { address: "127.0.0.12", configPath: "/home/me/.ssh/config" }, role: "worker" }])));
    expect(err.issues.map((i) => i.path)).toEqual(["spec.hosts[1].openSSH.configPath"]);
    expect(err.message).toContain("spec.hosts[1].openSSH.configPath");
  });

  // F10: what the relay cannot honour is refused at planning, never dropped.
  it("passes ssh.hostKey (host and bastion) to the relay as the expected key", () => {
    const fp = "SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8";
    const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@host";
    const plan = planFacts(spec([ssh("127.0.0.11", "controller", { hostKey: fp, bastion: { address: "10.1.0.1", hostKey: key } })]));
    expect(plan.phases[0]?.steps[0]?.host).toMatchObject({ hostKey: fp, bastion: { address: "10.1.0.1", hostKey: key } });
  });

  it.each([
    [{ ssh: { address: "127.0.0.12", options: { StrictHostKeyChecking: "no" } } }, "spec.hosts[1].ssh.options"],
    [{ ssh: { address: "127.0.0.12", bastion: { address: "10.1.0.1", options: { ProxyCommand: "nc %h %p" } } } }, "spec.hosts[1].ssh.bastion.options"],
    [{ openSSH: { address: "127.0.0.12", options: { ForwardAgent: true } } }, "spec.hosts[1].openSSH.options"],
  ])("refuses SSH options the relay would not apply, naming the field (%j)", (block, path) => {
    const err = planError(() => planFacts(spec([ssh("127.0.0.11", "controller"), { ...block, role: "worker" }])));
    expect(err.issues.map((i) => i.path)).toEqual([path]);
    expect(err.message).toMatch(/options .*not supported/);
  });

  it("accepts empty options (nothing to ignore)", () => {
    expect(() => planFacts(spec([ssh("127.0.0.11", "controller", { options: {} })]))).not.toThrow();
  });

  it("refuses a hostKey that is neither a fingerprint nor a public key, in the spec itself", () => {
    const result = validateClusterObject({ apiVersion: "k0sctl.k0sproject.io/v1beta1", kind: "Cluster", metadata: { name: "x" }, spec: { hosts: [{ role: "single", ssh: { address: "10.0.0.1", hostKey: "yes please" } }] } });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.map((e) => e.path)).toEqual(["spec.hosts[0].ssh.hostKey"]);
  });

  it("refuses localhost hosts, naming the host", () => {
    const err = planError(() => planFacts(spec([{ localhost: { enabled: true }, role: "single" }])));
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]?.path).toBe("spec.hosts[0].localhost");
    expect(err.issues[0]?.message).toMatch(/SSH/);
  });

  it("lists every host that cannot be planned, not only the first", () => {
    const err = planError(() =>
      planFacts(spec([ssh("127.0.0.11", "controller"), { localhost: true, role: "worker" }, { openSSH: { address: "127.0.0.13", configPath: "/c" }, role: "worker" }])),
    );
    expect(err.issues.map((i) => i.path)).toEqual(["spec.hosts[1].localhost", "spec.hosts[2].openSSH.configPath"]);
  });

  it("refuses a privateInterface the relay would reject, naming the field (defence behind the spec schema)", () => {
    const s = spec([ssh("127.0.0.11", "controller")]);
    const host = s.spec.hosts[0];
    if (!host) throw new Error("fixture has no host");
    host.privateInterface = "eth0; reboot";
    const err = planError(() => planFacts(s));
    expect(err.issues.map((i) => i.path)).toEqual(["spec.hosts[0].privateInterface"]);
  });
});
