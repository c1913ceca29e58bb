import { isController, type ClusterSpec } from "../../schema/cluster";
import { hostKey, type HostTarget } from "../../schema/step-base";
import type { Step, StepResult } from "../../schema/steps";
import type { StoredHostFacts } from "../../schema/stored-facts";
import { openDb } from "../core/db";
import type { Env } from "../core/env";
import { loadRunInputs } from "../core/load-run-inputs";
import { resolveHostTarget } from "../planner/host-target";
import type { EphemeralSteps } from "./ephemeral-steps";
import { findRelay } from "./relay-dispatch";
import { stepFailure } from "./run-events";

export type LeaderRequestError = { ok: false; code: "not_found" | "invalid_spec" | "conflict" | "relay_unavailable" | "relay_timeout" | "step_failed"; message: string };
export type LeaderRequestResult = { ok: true; result: StepResult; leader: string; relay: string } | LeaderRequestError;

type SpecHost = ClusterSpec["spec"]["hosts"][number];
export interface Leader {
  key: string;
  target: HostTarget;
  host: SpecHost;
  spec: ClusterSpec;
}

export const LEADER_STEP_TIMEOUT_MS = 30_000;
// The relay's own bound plus the frame's trip back.
const WAIT_MS = LEADER_STEP_TIMEOUT_MS + 5_000;

/**
 * One step on the leader, through the site's relay, as a request rather than
 * a run (see EphemeralSteps): for steps whose stdout is a credential handed
 * to the caller only. `what` names the command in errors. A failed step's
 * stdout is never passed on: for these kinds it would be the credential.
 */
export async function runOnLeader(env: Env, steps: EphemeralSteps, cluster: string, what: string, makeStep: (leader: Leader) => Step): Promise<LeaderRequestResult> {
  const loaded = await loadRunInputs(openDb(env.DB), cluster);
  if (!loaded.ok) return { ok: false, code: loaded.error.code === "not_found" ? "not_found" : "invalid_spec", message: loaded.error.message };
  const { inputs } = loaded;
  const leader = findLeader(inputs.spec, inputs.facts);
  if (!leader) return { ok: false, code: "conflict", message: `no running controller is known for cluster ${cluster}: apply the cluster first (${what} runs on the first running controller the last apply found)` };
  const relay = await findRelay(env, inputs.site, null);
  if (!relay) return { ok: false, code: "relay_unavailable", message: `no relay online for site "${inputs.site}": start the site's relay and retry` };

  const outcome = await steps.run(env, relay, cluster, `kubeconfig-${crypto.randomUUID()}`, makeStep(leader), WAIT_MS);
  if (!outcome.ok) {
    return outcome.reason === "timeout"
      ? { ok: false, code: "relay_timeout", message: `relay ${relay.name} did not answer within ${WAIT_MS / 1000}s` }
      : { ok: false, code: "relay_unavailable", message: `relay ${relay.name} went away before the step could be sent` };
  }
  const result = outcome.result;
  if (!result.ok || result.stdout.trim() === "") {
    const failure = stepFailure(leader.key, { ...result, stdout: "" });
    return { ok: false, code: "step_failed", message: `${what} failed: ${result.ok ? `${leader.key}: the relay returned no kubeconfig` : failure}` };
  }
  return { ok: true, result, leader: leader.key, relay: relay.name };
}

/** The first controller (spec order, not being reset) that the stored facts say runs k0s. */
function findLeader(spec: ClusterSpec, facts: Record<string, StoredHostFacts>): Leader | null {
  for (const [index, host] of spec.spec.hosts.entries()) {
    if (!isController(host) || host.reset) continue;
    const resolved = resolveHostTarget(host, index);
    if (!resolved.ok) continue;
    const key = hostKey(resolved.target);
    if (facts[key]?.k0s?.running) return { key, target: resolved.target, host, spec };
  }
  return null;
}

/** The server users reach: spec.api.externalAddress, else the leader's address; spec.api.port (k0sctl does the same). */
export function serverUrl(spec: ClusterSpec, leaderAddress: string): string {
  const api = spec.spec.k0s.config?.spec?.api;
  const address = api?.externalAddress ?? leaderAddress;
  const host = address.includes(":") ? `[${address}]` : address;
  return `https://${host}:${api?.port ?? 6443}`;
}
