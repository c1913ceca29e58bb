import { ClusterSpec, type ClusterSpecInput } from "../../schema/cluster";
import { Step } from "../../schema/steps";
import { K0sStep } from "../../schema/steps-k0s";
import type { K0sFactsReport } from "../../schema/steps-k0s";
import type { ApplyFacts, PlanApplyResult } from "../../worker/planner/plan-apply";
import { batchesOf, type Plan, type PlanIssue } from "../../worker/planner/plan";

type HostInput = NonNullable<ClusterSpecInput["spec"]>["hosts"][number];

export const V1 = "1.21.2+k0s.1";
export const V2 = "1.22.4+k0s.0";

export function host(n: number, role: HostInput["role"], extra: Partial<HostInput> = {}): HostInput {
  return { ssh: { address: `10.0.0.${n}`, user: "root", port: 22, keyPath: "/keys/id_rsa" }, role, ...extra };
}

/** The seed article's section 2.1 cluster: three controller+worker, two workers. */
export function seedHosts(): HostInput[] {
  return [host(11, "controller+worker"), host(12, "controller+worker"), host(13, "controller+worker"), host(14, "worker"), host(15, "worker")];
}

export function spec(hosts: HostInput[], k0s: Record<string, unknown> = {}, options: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): ClusterSpec {
  return ClusterSpec.parse({
    apiVersion: "k0sctl.k0sproject.io/v1beta1",
    kind: "Cluster",
    metadata: { name: "k0s-cluster" },
    spec: {
      hosts,
      k0s: {
        version: V1,
        config: {
          apiVersion: "k0s.k0sproject.io/v1beta1",
          kind: "Cluster",
          metadata: { name: "k0s" },
          spec: { api: { address: "10.0.0.11", port: 6443, k0sApiPort: 9443, sans: ["10.0.0.11", "10.0.0.12", "10.0.0.13"] }, storage: { type: "etcd", etcd: { peerAddress: "10.0.0.11" } } },
        },
        ...k0s,
      },
      options,
      ...extra,
    },
  });
}

export function seedSpec(): ClusterSpec {
  return spec(seedHosts());
}

function keyOf(n: number): string {
  return `10.0.0.${n}:22`;
}

/** Facts of hosts k0s was never installed on. */
export function freshFacts(numbers: number[]): ApplyFacts {
  return { hosts: Object.fromEntries(numbers.map((n) => [keyOf(n), { arch: "x86_64", hostname: `k${n - 10}.node`, privateAddress: `192.168.0.${n}`, k0s: { running: false } }])) };
}

/** Facts of hosts running k0s `version` in their spec role. */
export function runningFacts(s: ClusterSpec, version: string, except: number[] = []): ApplyFacts {
  const facts: ApplyFacts = { hosts: {} };
  for (const h of s.spec.hosts) {
    const address = h.ssh?.address ?? "";
    const n = Number(address.split(".").pop());
    const k0s: K0sFactsReport = except.includes(n)
      ? { running: false }
      : { running: true, installedVersion: `v${version}`, role: h.role, configSha256: "a".repeat(64), nodeName: `k${n - 10}.node` };
    facts.hosts[`${address}:22`] = { arch: "x86_64", hostname: `k${n - 10}.node`, privateAddress: `192.168.0.${n}`, k0s };
  }
  return facts;
}

/** spec.hosts[i], which the test knows is there. */
export function hostAt(s: ClusterSpec, i: number): ClusterSpec["spec"]["hosts"][number] {
  const h = s.spec.hosts[i];
  if (!h) throw new Error(`no spec.hosts[${i}]`);
  return h;
}

export function phaseNames(plan: Plan): string[] {
  return plan.phases.map((p) => p.name);
}

export function phase(plan: Plan, name: string) {
  const found = plan.phases.find((p) => p.name === name);
  if (!found) throw new Error(`no phase ${name} in ${phaseNames(plan).join(", ")}`);
  return found;
}

/** Step ids of a phase, batch by batch: compact to assert on. */
export function batchIds(plan: Plan, name: string): string[][] {
  return batchesOf(phase(plan, name)).map((b) => b.map((s) => s.id));
}

export function allSteps(plan: Plan): Step[] {
  return plan.phases.flatMap((p) => p.steps);
}

/**
 * The plan succeeded, and every step in it (cleanup included) is one the
 * relay's schemas accept, with an id unique in the run.
 */
export function expectOk(r: PlanApplyResult): asserts r is Extract<PlanApplyResult, { ok: true }> {
  if (!r.ok) throw new Error(`planning failed: ${JSON.stringify(r.errors)}`);
  const steps = [...allSteps(r.plan), ...r.plan.cleanup.flatMap((c) => c.steps)];
  for (const step of steps) {
    const parsed = step.kind === "host.disconnect" ? Step.safeParse(step) : K0sStep.safeParse(step);
    if (!parsed.success) throw new Error(`${step.id} does not parse: ${JSON.stringify(parsed.error.issues)}`);
  }
  const ids = steps.map((s) => s.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup !== undefined) throw new Error(`step id ${dup} is used twice`);
}

export function expectRefused(r: PlanApplyResult): PlanIssue[] {
  if (r.ok) throw new Error(`expected a refusal, got a plan: ${r.plan.phases.map((p) => p.name).join(", ")}`);
  return r.errors;
}
