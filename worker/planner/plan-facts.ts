import { HostFactsStep, type Step } from "../../schema/steps";
import type { ClusterSpec } from "../../schema/cluster";
import { PlanError, type Plan, type PlanIssue } from "./plan";
import { hostKey } from "../../schema/step-base";
import { resolveHostTarget } from "./host-target";

export const FACTS_PHASES = {
  connect: "Connect to hosts",
  os: "Detect host operating systems",
  facts: "Gather host facts",
} as const;

// Generous bounds: a first connection may go through a bastion and wait on DNS;
// reading os-release and ip route is quick on any healthy host.
const CONNECT_TIMEOUT_MS = 60_000;
const READ_TIMEOUT_MS = 30_000;

/**
 * The facts operation: connect to every host, read its OS, then its hostname
 * and private interface/address. Pure: the same spec always gives the same
 * plan with the same step ids, which is what lets a run resume and the relay
 * dedupe re-sent steps by id.
 *
 * Throws PlanError listing every host that cannot be planned.
 */
export function planFacts(spec: ClusterSpec): Plan {
  const issues: PlanIssue[] = [];
  const connect: Step[] = [];
  const os: Step[] = [];
  const facts: Step[] = [];
  const seen = new Map<string, number>();

  spec.spec.hosts.forEach((host, index) => {
    const resolved = resolveHostTarget(host, index);
    if (!resolved.ok) {
      issues.push(...resolved.issues);
      return;
    }
    const target = resolved.target;
    const key = hostKey(target);
    const first = seen.get(key);
    if (first !== undefined) {
      issues.push({ path: `spec.hosts[${index}]`, message: `connects to ${key}, like spec.hosts[${first}]: each host needs its own address and port` });
      return;
    }
    seen.set(key, index);
    const privateInterface = host.privateInterface;
    if (privateInterface !== undefined && !HostFactsStep.shape.privateInterface.safeParse(privateInterface).success) {
      issues.push({ path: `spec.hosts[${index}].privateInterface`, message: "must be a network interface name (at most 15 letters, digits, '.', '_', '@', '-')" });
      return;
    }

    connect.push({ kind: "host.connect", id: `connect:${key}`, host: target, timeoutMs: CONNECT_TIMEOUT_MS });
    os.push({ kind: "host.os", id: `os:${key}`, host: target, timeoutMs: READ_TIMEOUT_MS });
    facts.push({
      kind: "host.facts",
      id: `facts:${key}`,
      host: target,
      timeoutMs: READ_TIMEOUT_MS,
      ...(privateInterface !== undefined ? { privateInterface } : {}),
    });
  });

  if (issues.length > 0) throw new PlanError(issues);
  return {
    phases: [
      { name: FACTS_PHASES.connect, steps: connect },
      { name: FACTS_PHASES.os, steps: os },
      { name: FACTS_PHASES.facts, steps: facts },
    ],
    concurrency: spec.spec.options.concurrency.limit,
  };
}
