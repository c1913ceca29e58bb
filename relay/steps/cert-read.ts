import { posix } from "node:path";
import type { CertificateInfo } from "../../schema/step-reports";
import { sh } from "../quote";
import { parseCertificate } from "./cert-parse";
import { mustRun } from "./remote-file";
import type { StepContext } from "./step-context";

/** Where a host's certificates are, by what it runs (see CertInventoryStep). */
export interface CertSources {
  dataDir: string;
  controller: boolean;
  kubelet: boolean;
}

export function certDirs(s: CertSources): string[] {
  return [...(s.controller ? [posix.join(s.dataDir, "pki")] : []), ...(s.kubelet ? [posix.join(s.dataDir, "kubelet/pki")] : [])];
}

// The kubelet keeps each certificate it rotated out as kubelet-<kind>-<date>.pem
// beside the kubelet-<kind>-current.pem link to the one in use: only the one
// in use says when this node's certificate expires.
const ROTATED = /^(kubelet-(?:client|server))-\d{4}-[^/]*\.pem$/;

export function inUse(paths: readonly string[]): string[] {
  const set = new Set(paths);
  return paths.filter((p) => {
    const m = ROTATED.exec(posix.basename(p));
    return !m || !set.has(posix.join(posix.dirname(p), `${m[1]}-current.pem`));
  });
}

/**
 * Every certificate file under the host's k0s directories, parsed on the relay.
 * Only `*.crt` and `*.pem` are listed, and each is filtered on the host by sed
 * to its CERTIFICATE blocks: a `.key` is never opened, and a `.pem` that holds
 * a key beside its certificate (the kubelet's) sends only the certificate.
 * One command per file keeps each answer far below the relay's output bound.
 */
export async function readCertificates(ctx: StepContext, sources: CertSources): Promise<{ certificates: CertificateInfo[]; problems: string[] }> {
  const dirs = certDirs(sources);
  const listing = await mustRun(
    ctx,
    sh`for d in ${dirs}; do if [ -d "$d" ]; then find "$d" '(' -type f -o -type l ')' '(' -name '*.crt' -o -name '*.pem' ')' -print; fi; done`,
  );
  const paths = inUse(listing.split("\n").filter((p) => p.startsWith("/"))).sort();
  const certificates: CertificateInfo[] = [];
  const problems: string[] = [];
  for (const path of paths) {
    const pem = await mustRun(ctx, sh`sed -n '/^-----BEGIN CERTIFICATE-----/,/^-----END CERTIFICATE-----/p' < ${path}`);
    const parsed = parseCertificate(path, pem);
    if (parsed.ok) certificates.push(parsed.cert);
    else problems.push(`${path}: ${parsed.message}`);
  }
  return { certificates, problems };
}

/** "12 certificates (2 CAs) under /var/lib/k0s/pki" */
export function describeInventory(certs: readonly CertificateInfo[], sources: CertSources): string {
  const cas = certs.filter((c) => c.isCA).length;
  return `${certs.length} ${certs.length === 1 ? "certificate" : "certificates"} (${cas} ${cas === 1 ? "CA" : "CAs"}) under ${certDirs(sources).join(" and ") || "no directory"}`;
}
