import type { Env } from "../../core/env";
import { KeelError } from "../../../schema/errors";
import { appendAudit } from "../../core/audit-append";

/**
 * The cluster's admin kubeconfig, fetched by the site's relay from the leader
 * for this request only: it is returned to the caller and never stored (not
 * in D1, not in the Durable Object). Issuing one is audited.
 */
export async function getAdminKubeconfig(env: Env, input: { cluster: string; actor: string }): Promise<string> {
  const result = await env.CLUSTER.get(env.CLUSTER.idFromName(input.cluster)).adminKubeconfig(input.cluster);
  if (!result.ok) throw new KeelError(result.code, result.message);
  await appendAudit(env.DB, { actor: input.actor, action: "cluster.kubeconfig", cluster: input.cluster, target: input.cluster, outcome: "ok", details: { leader: result.leader, relay: result.relay } });
  return result.kubeconfig;
}
