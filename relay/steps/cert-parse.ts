import { X509Certificate } from "node:crypto";
import type { CertificateInfo } from "../../schema/step-reports";

const BLOCK = /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+?-----END CERTIFICATE-----/;

/** "CN=a\nO=b" as Node prints a name → "CN=a, O=b". */
function oneLineName(name: string): string {
  return name.split("\n").filter(Boolean).join(", ");
}

/**
 * The first certificate of a PEM text as an inventory row, or an error
 * message. A file may hold a chain: its first block is the certificate the
 * file is for. Text that is not a CERTIFICATE block is ignored here (the host
 * side already dropped key blocks, see cert-read.ts).
 */
export function parseCertificate(path: string, pem: string): { ok: true; cert: CertificateInfo } | { ok: false; message: string } {
  const block = BLOCK.exec(pem)?.[0];
  if (!block) return { ok: false, message: "no PEM CERTIFICATE block" };
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(block);
  } catch (err) {
    return { ok: false, message: `not a certificate openssl can read: ${err instanceof Error ? err.message : String(err)}` };
  }
  const sans = (x509.subjectAltName ?? "")
    .split(", ")
    .map((s) => s.trim())
    .filter(Boolean)
    .slice(0, 500);
  return {
    ok: true,
    cert: {
      path,
      subject: oneLineName(x509.subject).slice(0, 2048),
      issuer: oneLineName(x509.issuer).slice(0, 2048),
      sans,
      notBefore: Date.parse(x509.validFrom),
      notAfter: Date.parse(x509.validTo),
      isCA: x509.ca,
      fingerprint: x509.fingerprint256.toLowerCase(),
    },
  };
}
