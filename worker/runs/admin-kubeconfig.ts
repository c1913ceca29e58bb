import { isController, type ClusterSpec } from "../../schema/cluster";
import type { K0sKubeconfigAdminStep } from "../../schema/steps-k0s";
import { openDb } from "../core/db";
import type { Env } from "../core/env";
import { resolveHostTarget } from "../planner/host-target";
import { hostKey } from "../../schema/step-base";
import { EphemeralSteps } from "./ephemeral-steps";
import type { StoredHostFacts } from "../../schema/stored-facts";
import { loadRunInputs } from "../core/load-run-inputs";
import { findRelay } from "./relay-dispatch";
import { stepFailure } from "./run-events";

export type AdminKubeconfigResult =
  | { ok: true; kubeconfig: string; leader: string; relay: string }
  | { ok: false; code: "not_found" | "invalid_spec" | "conflict" | "relay_unavailable" | "relay_timeout" | "step_failed"; message: string };

const STEP_TIMEOUT_MS = 30_000;
// The relay's own bound plus the frame's trip back.
const WAIT_MS = STEP_TIMEOUT_MS + 5_000;

/**
 * `k0s kubeconfig admin` on the leader, through the site's relay, with the
 * server k0sctl users expect (spec.api.externalAddress, else the leader's
 * address; spec.api.port). The kubeconfig is handed to the caller only.
 */
export async function adminKubeconfig(env: Env, steps: EphemeralSteps, cluster: string): Promise<AdminKubeconfigResult> {
  const loaded = await loadRunInputs(openDb(env.DB), cluster);
  if (!loaded.ok) return { ok: false, code: loaded.error.code === "not_found" ? "not_found" : "invalid_spec", message: loaded.error.message };
  const { inputs } = loaded;
  const leader = findLeader(inputs.spec, inputs.facts);
  if (!leader) return { ok: false, code: "conflict", message: `no running controller is known for cluster ${cluster}: apply the cluster first (the kubeconfig is read from the first running controller the last apply found)` };
  const relay = await findRelay(env, inputs.site, null);
  if (!relay) return { ok: false, code: "relay_unavailable", message: `no relay online for site "${inputs.site}": start the site's relay and retry` };

  const step: K0sKubeconfigAdminStep = {
    kind: "k0s.kubeconfig.admin",
    id: `kubeconfig:${leader.key}`,
    host: leader.target,
    timeoutMs: STEP_TIMEOUT_MS,
    installPath: leader.host.k0sInstallPath,
    dataDir: leader.host.dataDir,
    server: serverUrl(inputs.spec, leader.target.address),
    saveAs: "kubeconfig:admin",
  };
  const outcome = await steps.run(env, relay, cluster, `kubeconfig-${crypto.randomUUID()}`, step, WAIT_MS);
  if (!outcome.ok) {
    return outcome.reason === "timeout"
      ? { ok: false, code: "relay_timeout", message: `relay ${relay.name} did not answer within ${WAIT_MS / 1000}s` }
      : { ok: false, code: "relay_unavailable", message: `relay ${relay.name} went away before the step could be sent` };
  }
  const result = outcome.result;
  if (!result.ok || result.stdout.trim() === "") {
    // stepFailure never shows stdout for a failed step with an error; for one without, stdout is the kubeconfig: leave it out.
    const failure = stepFailure(leader.key, { ...result, stdout: "" });
    return { ok: false, code: "step_failed", message: `k0s kubeconfig admin failed: ${result.ok ? `${leader.key}: the relay returned no kubeconfig` : failure}` };
  }
  return { ok: true, kubeconfig: result.stdout, leader: leader.key, relay: relay.name };
}

type SpecHost = ClusterSpec["spec"]["hosts"][number];

/** The first controller (spec order, not being reset) that the stored facts say runs k0s. */
function findLeader(spec: ClusterSpec, facts: Record<string, StoredHostFacts>) {
  for (const [index, host] of spec.spec.hosts.entries()) {
    if (!isController(host) || host.reset) continue;
    const resolved = resolveHostTarget(host, index);
    if (!resolved.ok) continue;
    const key = hostKey(resolved.target);
    if (facts[key]?.k0s?.running) return { key, target: resolved.target, host: host satisfies SpecHost };
  }
  return null;
}

export function serverUrl(spec: ClusterSpec, leaderAddress: string): string {
  const api = spec.spec.k0s.config?.spec?.api;
  const address = api?.externalAddress ?? leaderAddress;
  const host = address.includes(":") ? `[${address}]` : address;
  return `https://${host}:${api?.port ?? 6443}`;
}
