import { z } from "zod";

/**
 * `k0s kubeconfig create --groups GROUP USER` writes <dataDir>/pki/USER.{crt,key}
 * with no check on USER and silently re-issues any k0s-managed file of that
 * name (day2-operations.md §3.1): a user named like one of these would
 * replace the CA, the API server's certificate or the admin credential.
 */
export const K0S_PKI_NAMES = [
  "admin",
  "ca",
  "server",
  "sa",
  "front-proxy-ca",
  "front-proxy-client",
  "konnectivity",
  "konnectivity-agent",
  "k0s-api",
  "scheduler",
  "ccm",
  "apiserver-kubelet-client",
  "apiserver-etcd-client",
  "etcd",
] as const;

/** The one `system:` group keel hands out, and only when the request says it wants a cluster admin. */
export const CLUSTER_ADMIN_GROUP = "system:masters";

/** What the audit log and the CLI say about a system:masters credential. */
export const CLUSTER_ADMIN_WARNING =
  "this is a cluster-admin credential (group system:masters bypasses RBAC): it cannot be revoked by RBAC or by deleting anything; only a rotation of the cluster CA revokes it";

// Letters, digits and ._@- only: no `/` or `..` (paths under or outside pki/), no spaces or control characters.
const NAME = /^[A-Za-z0-9._@-]+$/;

export const KubeconfigUser = z
  .string()
  .min(1)
  .max(128)
  .regex(NAME, "use only letters, digits and . _ @ -")
  .refine((u) => !/^\.+$/.test(u), "may not be . or ..")
  .refine((u) => !(K0S_PKI_NAMES as readonly string[]).includes(u.toLowerCase()), {
    message: `names a k0s PKI file (${K0S_PKI_NAMES.join(", ")}): k0s would overwrite that component's certificate`,
  });

export const KubeconfigGroup = z
  .string()
  .min(1)
  .max(128)
  .refine((g) => !g.includes(","), "one group per credential: k0s puts the whole string in one O attribute, so \"a,b\" would be a single group named \"a,b\"")
  .regex(/^[A-Za-z0-9._@:-]+$/, "use only letters, digits and . _ @ : -");

/**
 * POST /v1/clusters/:name/kubeconfigs. `system:` names belong to the cluster
 * itself (nodes, kube components, service accounts); system:masters is let
 * through only with clusterAdmin: true so nobody mints one by accident.
 */
export const CreateKubeconfigBody = z
  .object({
    // Checked before the generic rules so a system: user is told why, not about the colon.
    user: z.string().refine((u) => !u.startsWith("system:"), "names beginning with system: are reserved for Kubernetes itself").pipe(KubeconfigUser),
    group: KubeconfigGroup,
    clusterAdmin: z.boolean().optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.group === CLUSTER_ADMIN_GROUP) {
      if (body.clusterAdmin !== true) {
        ctx.addIssue({ code: "custom", path: ["group"], message: "system:masters makes a cluster-admin credential that only a CA rotation can revoke: send clusterAdmin: true (keel kubeconfig create --cluster-admin) to mean it" });
      }
    } else if (body.group.startsWith("system:")) {
      ctx.addIssue({ code: "custom", path: ["group"], message: "system: groups belong to the cluster itself (nodes, components, service accounts); only system:masters is allowed, with clusterAdmin: true" });
    } else if (body.clusterAdmin === true) {
      ctx.addIssue({ code: "custom", path: ["clusterAdmin"], message: "clusterAdmin: true is only for group system:masters" });
    }
  });
export type CreateKubeconfigBody = z.infer<typeof CreateKubeconfigBody>;

/** What the API answers: the kubeconfig once, and the facts the audit log keeps about it. */
export const CreatedKubeconfig = z.object({
  kubeconfig: z.string(),
  user: z.string(),
  group: z.string(),
  clusterAdmin: z.boolean(),
  /** SHA-256 of the client certificate's DER, colon-separated hex. */
  fingerprint: z.string(),
  /** ISO 8601. */
  expiresAt: z.string(),
  warning: z.string().optional(),
});
export type CreatedKubeconfig = z.infer<typeof CreatedKubeconfig>;
