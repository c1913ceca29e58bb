import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HOST, run } from "./host";

// A node's kubelet certificates as the kubelet keeps them in <dataDir>/kubelet/pki:
// kubelet-client-<date>.pem and kubelet-server-<date>.pem, each the certificate
// followed by its private key in one file, and a *-current.pem link to the one
// in use. Issued once by the cluster CA when the node first joins; the kubelet
// rotates them itself later, so a restart of k0sworker does not re-issue them.

const KUBELET_DAYS = 365;

export async function kubeletPki(dataDir: string, nodeName: string): Promise<void> {
  const dir = join(dataDir, "kubelet/pki");
  const ca = join(HOST.clusterDir, "pki");
  if (!existsSync(join(ca, "ca.crt"))) return;
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().slice(0, 19).replace(/[T:]/g, "-");
  const kinds = [
    ["client", `/O=system:nodes/CN=system:node:${nodeName}`, "clientAuth"],
    ["server", `/O=system:nodes/CN=system:node:${nodeName}`, "serverAuth"],
  ] as const;
  for (const [kind, subject, usage] of kinds) {
    const current = join(dir, `kubelet-${kind}-current.pem`);
    if (existsSync(current)) continue;
    const crt = join(dir, `.kubelet-${kind}.crt`);
    const key = join(dir, `.kubelet-${kind}.key`);
    await run("openssl", [
      "req", "-x509", "-CA", join(ca, "ca.crt"), "-CAkey", join(ca, "ca.key"), "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-days", String(KUBELET_DAYS), "-subj", subject, "-addext", `subjectAltName=DNS:${nodeName},IP:${HOST.address}`, "-addext", `extendedKeyUsage=${usage}`, "-addext", "basicConstraints=critical,CA:FALSE",
      "-keyout", key, "-out", crt,
    ]);
    const dated = `kubelet-${kind}-${stamp}.pem`;
    writeFileSync(join(dir, dated), readFileSync(crt, "utf8") + readFileSync(key, "utf8"), { mode: 0o600 });
    rmSync(crt, { force: true });
    rmSync(key, { force: true });
    symlinkSync(dated, current);
  }
}
