import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { writeStandin } from "./standins";

export const CNI_PLUGINS = ["bridge", "loopback", "host-local", "portmap", "flannel"] as const;

/**
 * The files the seed article's specs point at (`k0sBinaryPath`, the image
 * bundle, flannel's manifest, the CNI plugins), under `<dir>/files`, so the
 * examples in examples/local can run against simulated hosts.
 */
export async function writeFixtureFiles(dir: string): Promise<void> {
  const files = join(dir, "files");
  await mkdir(join(files, "cni-plugins"), { recursive: true });
  await writeStandin(join(files, "k0s"));
  await writeFile(join(files, "bundle_file"), bundle(256 * 1024));
  await writeFile(join(files, "kube-flannel.yaml"), FLANNEL_MANIFEST);
  for (const name of CNI_PLUGINS) {
    await writeFile(join(files, "cni-plugins", name), cniPlugin(name), { mode: 0o755 });
  }
}

// Deterministic bytes that do not compress away, so an upload really moves data
// and a checksum mismatch would show.
function bundle(size: number): Buffer {
  const chunks: Buffer[] = [];
  let block = createHash("sha256").update("keel image bundle").digest();
  for (let n = 0; n < size; n += block.length) {
    chunks.push(block);
    block = createHash("sha256").update(block).digest();
  }
  return Buffer.concat(chunks).subarray(0, size);
}

function cniPlugin(name: string): string {
  return `#!/bin/sh\n# ${name}: CNI plugin stand-in; answers VERSION like a real plugin.\necho '{"cniVersion":"0.4.0","supportedVersions":["0.3.0","0.3.1","0.4.0"]}'\n`;
}

const FLANNEL_MANIFEST = `---
apiVersion: v1
kind: Namespace
metadata:
  name: kube-flannel
  labels:
    pod-security.kubernetes.io/enforce: privileged
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: kube-flannel-cfg
  namespace: kube-flannel
data:
  net-conf.json: |
    {
      "Network": "10.244.0.0/16",
      "Backend": { "Type": "vxlan" }
    }
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: kube-flannel-ds
  namespace: kube-flannel
spec:
  selector:
    matchLabels:
      app: flannel
  template:
    metadata:
      labels:
        app: flannel
    spec:
      hostNetwork: true
      containers:
        - name: kube-flannel
          image: docker.io/flannel/flannel:v0.22.0
          args: ["--ip-masq", "--kube-subnet-mgr"]
`;
