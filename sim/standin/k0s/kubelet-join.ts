import { readFileSync } from "node:fs";
import { HOST, cluster, randomChars, writeAtomic } from "./host";

// A worker's first join: its kubelet gets a credential of its own, written
// into <dataDir>/kubelet.conf and registered with the cluster (kubelets/ in
// the cluster state, which backups snapshot). Later starts reuse it without a
// token. After a restore from a backup taken before the join, the credential
// is unknown: the node never comes back until the worker is reset and joins
// again with a fresh token, which is what a restore must notice and do.

export function joinAsKubelet(kubeletConf: string, nodeName: string): void {
  const credential = randomChars(32);
  cluster.put("kubelets", nodeName, { name: nodeName, credential });
  writeAtomic(
    kubeletConf,
    [
      "apiVersion: v1", "kind: Config", "clusters:", "- cluster:", `    server: https://${HOST.address}:6443`, "  name: k0s",
      "users:", `- name: system:node:${nodeName}`, "  user:", `    token: ${credential}`, "",
    ].join("\n"),
    0o600,
  );
}

/** The credential in kubelet.conf; "" when it has none (the API server knows no such kubelet). */
export function kubeletCredential(kubeletConf: string): string {
  return /^ {4}token: (\S+)$/m.exec(readFileSync(kubeletConf, "utf8"))?.[1] ?? "";
}
