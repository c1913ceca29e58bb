import { z } from "zod";
import { Host, HostFile, HostRole } from "./cluster-host";
import { K0sSpec } from "./cluster-k0s";
import { ClusterOptions } from "./cluster-options";

/**
 * k0sctl.yaml v1beta1 (apiVersion k0sctl.k0sproject.io/v1beta1, kind Cluster):
 * accepts what k0sctl accepts, rejects what it rejects, with k0sctl's defaults
 * filled in. Parse YAML text with `loadClusterYaml` (cluster-load.ts), which
 * also runs envsubst and merges extra documents, then this schema.
 */

export const K0SCTL_API_VERSION = "k0sctl.k0sproject.io/v1beta1";

/** Another document of the file (apiVersion + kind), applied after install. keel's addition: k0sctl has no such field. */
export const Manifest = z.looseObject({ apiVersion: z.string().min(1).max(253), kind: z.string().min(1).max(253) });

function caseInsensitive(expected: string) {
  return z
    .string({ error: `must be "${expected}"` })
    .refine((s) => s.toLowerCase() === expected.toLowerCase(), `must be "${expected}"`);
}

const ClusterMetadata = z.looseObject({
  // Both end up in kubeconfig names and keel's storage keys.
  name: z
    .string()
    .max(253)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "must be letters, digits, '.', '_', '-'")
    .default("k0s-cluster"),
  user: z
    .string()
    .max(253)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]*$/, "must be letters, digits, '.', '_', '@', '-'")
    .default("admin"),
});

const Spec = z.strictObject({
  hosts: z.array(Host).min(1, "must list at least one host").max(1000),
  k0s: K0sSpec.prefault({}),
  options: ClusterOptions.prefault({}),
  manifests: z.array(Manifest).max(1000).default([]),
});

export const ClusterSpec = z
  .strictObject({
    // k0sctl matches both case-insensitively (manifest.Reader.GetResources uses strings.EqualFold).
    apiVersion: caseInsensitive(K0SCTL_API_VERSION),
    kind: caseInsensitive("Cluster"),
    metadata: ClusterMetadata.prefault({}),
    spec: Spec,
  })
  .superRefine((cluster, ctx) => {
    const hosts = cluster.spec.hosts;
    const controllers = hosts.filter(isController);
    if (controllers.length === 0) {
      ctx.addIssue({ code: "custom", path: ["spec", "hosts"], message: "must have at least one controller (role controller, controller+worker or single)" });
    }
    if (hosts.length > 1) {
      hosts.forEach((h, i) => {
        if (h.role === "single") ctx.addIssue({ code: "custom", path: ["spec", "hosts", i, "role"], message: "role single is only allowed when the cluster has exactly one host" });
      });
    }
    const seen = new Map<string, number>();
    hosts.forEach((h, i) => {
      const key = hostKey(h);
      const first = seen.get(key);
      if (first === undefined) {
        seen.set(key, i);
        return;
      }
      const block = h.ssh ? "ssh" : h.openSSH ? "openSSH" : "localhost";
      const path = block === "localhost" ? ["spec", "hosts", i, block] : ["spec", "hosts", i, block, "address"];
      ctx.addIssue({ code: "custom", path, message: `${key} is already used by spec.hosts[${first}]: each host needs its own address and port` });
    });
    // kine on SQLite has no controller join tokens: such a cluster cannot have a second controller.
    const storage = cluster.spec.k0s.config?.spec?.storage;
    const dataSource = storage?.kine?.dataSource ?? "sqlite://";
    if (storage?.type === "kine" && dataSource.startsWith("sqlite:") && controllers.filter((h) => !h.reset).length > 1) {
      ctx.addIssue({
        code: "custom",
        path: ["spec", "k0s", "config", "spec", "storage", "type"],
        message: "kine with SQLite supports a single controller: use etcd (or kine on an external database) for several controllers",
      });
    }
  });
export type ClusterSpec = z.infer<typeof ClusterSpec>;
/** What a caller may send: defaults not yet filled in. */
export type ClusterSpecInput = z.input<typeof ClusterSpec>;
export type Manifest = z.infer<typeof Manifest>;

export { Host, HostFile, HostRole };

export function isController(host: Pick<Host, "role">): boolean {
  return host.role !== "worker";
}

export function isWorker(host: Pick<Host, "role">): boolean {
  return host.role === "worker" || host.role === "controller+worker" || host.role === "single";
}

/** The address keel connects to; "localhost" for a localhost host. */
export function hostAddress(host: Pick<Host, "ssh" | "openSSH">): string {
  return host.ssh?.address ?? host.openSSH?.address ?? "localhost";
}

/** "address:port", the identity k0sctl prints and checks for uniqueness; "localhost" for a localhost host. */
export function hostKey(host: Pick<Host, "ssh" | "openSSH">): string {
  if (host.ssh) return `${host.ssh.address}:${host.ssh.port}`;
  if (host.openSSH) return `${host.openSSH.address}:${host.openSSH.port ?? 22}`;
  return "localhost";
}

export { displayK0sVersion, goDurationMs } from "./cluster-fields";
