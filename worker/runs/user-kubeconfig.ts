import type { CreateKubeconfigBody } from "../../schema/user-kubeconfig";
import type { CertificateInfo } from "../../schema/step-reports";
import type { Env } from "../core/env";
import type { EphemeralSteps } from "./ephemeral-steps";
import { LEADER_STEP_TIMEOUT_MS, runOnLeader, serverUrl, type LeaderRequestError } from "./leader-request";

export type UserKubeconfigResult = { ok: true; kubeconfig: string; certificate: CertificateInfo; leader: string; relay: string } | LeaderRequestError;

/**
 * `k0s kubeconfig create --groups GROUP USER` on the leader, through the
 * site's relay: the kubeconfig goes to the caller only; the certificate's
 * public facts (fingerprint, expiry) come back for the audit log.
 */
export async function userKubeconfig(env: Env, steps: EphemeralSteps, cluster: string, body: CreateKubeconfigBody): Promise<UserKubeconfigResult> {
  const outcome = await runOnLeader(env, steps, cluster, "k0s kubeconfig create", (leader) => ({
    kind: "k0s.kubeconfig.create",
    id: `kubeconfig-create:${leader.key}`,
    host: leader.target,
    timeoutMs: LEADER_STEP_TIMEOUT_MS,
    installPath: leader.host.k0sInstallPath,
    dataDir: leader.host.dataDir,
    server: serverUrl(leader.spec, leader.target.address),
    user: body.user,
    group: body.group,
  }));
  if (!outcome.ok) return outcome;
  const report = outcome.result.report;
  const certificate = report?.kind === "certificates" ? report.certificates[0] : undefined;
  if (!certificate) return { ok: false, code: "step_failed", message: `k0s kubeconfig create: ${outcome.leader}: the relay reported no client certificate` };
  return { ok: true, kubeconfig: outcome.result.stdout, certificate, leader: outcome.leader, relay: outcome.relay };
}
