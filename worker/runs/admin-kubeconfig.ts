import type { Env } from "../core/env";
import type { EphemeralSteps } from "./ephemeral-steps";
import { LEADER_STEP_TIMEOUT_MS, runOnLeader, serverUrl, type LeaderRequestError } from "./leader-request";

export type AdminKubeconfigResult = { ok: true; kubeconfig: string; leader: string; relay: string } | LeaderRequestError;

/**
 * `k0s kubeconfig admin` on the leader, through the site's relay, with the
 * server k0sctl users expect (spec.api.externalAddress, else the leader's
 * address; spec.api.port). The kubeconfig is handed to the caller only.
 */
export async function adminKubeconfig(env: Env, steps: EphemeralSteps, cluster: string): Promise<AdminKubeconfigResult> {
  const outcome = await runOnLeader(env, steps, cluster, "k0s kubeconfig admin", (leader) => ({
    kind: "k0s.kubeconfig.admin",
    id: `kubeconfig:${leader.key}`,
    host: leader.target,
    timeoutMs: LEADER_STEP_TIMEOUT_MS,
    installPath: leader.host.k0sInstallPath,
    dataDir: leader.host.dataDir,
    server: serverUrl(leader.spec, leader.target.address),
  }));
  if (!outcome.ok) return outcome;
  return { ok: true, kubeconfig: outcome.result.stdout, leader: outcome.leader, relay: outcome.relay };
}
