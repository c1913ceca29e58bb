import { KeelError } from "../../../schema/errors";
import { CLUSTER_ADMIN_WARNING, type CreateKubeconfigBody, type CreatedKubeconfig } from "../../../schema/user-kubeconfig";
import { appendAudit } from "../../core/audit-append";
import type { Env } from "../../core/env";

/**
 * A user kubeconfig minted by k0s on the leader for this request only: the
 * caller gets it once; D1 gets the audit entry (who asked, for whom, the
 * certificate's fingerprint and expiry), never the kubeconfig. k0s client
 * certificates cannot be revoked, so the audit entry is what is left to
 * answer "who holds a credential for this cluster".
 */
export async function createUserKubeconfig(env: Env, input: { cluster: string; actor: string; body: CreateKubeconfigBody }): Promise<CreatedKubeconfig> {
  const { cluster, actor, body } = input;
  const result = await env.CLUSTER.get(env.CLUSTER.idFromName(cluster)).userKubeconfig(cluster, body);
  if (!result.ok) throw new KeelError(result.code, result.message);
  const clusterAdmin = body.clusterAdmin === true;
  const expiresAt = new Date(result.certificate.notAfter).toISOString();
  await appendAudit(env.DB, {
    actor,
    action: "cluster.kubeconfig.create",
    cluster,
    target: body.user,
    outcome: "ok",
    details: {
      user: body.user,
      group: body.group,
      clusterAdmin,
      fingerprint: result.certificate.fingerprint,
      expiresAt,
      leader: result.leader,
      relay: result.relay,
      ...(clusterAdmin ? { warning: CLUSTER_ADMIN_WARNING } : {}),
    },
  });
  return {
    kubeconfig: result.kubeconfig,
    user: body.user,
    group: body.group,
    clusterAdmin,
    fingerprint: result.certificate.fingerprint,
    expiresAt,
    ...(clusterAdmin ? { warning: CLUSTER_ADMIN_WARNING } : {}),
  };
}
