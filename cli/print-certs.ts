import type { CertificatesResponse, CertificateView } from "../schema/certs-api";

/** "Dec 30, 2027 23:36 UTC", as kubeadm prints an expiry. */
function expires(ms: number): string {
  const d = new Date(ms);
  const month = d.toLocaleString("en-US", { month: "short", timeZone: "UTC" });
  const hh = String(d.getUTCHours()).padStart(2, "0");
  const mm = String(d.getUTCMinutes()).padStart(2, "0");
  return `${month} ${String(d.getUTCDate()).padStart(2, "0")}, ${d.getUTCFullYear()} ${hh}:${mm} UTC`;
}

/** kubeadm's residual time: "364d", "9y", "23h", or "<invalid>" once expired. */
export function residual(seconds: number): string {
  if (seconds <= 0) return "<invalid>";
  const days = Math.floor(seconds / 86_400);
  if (days >= 365 * 2) return `${Math.floor(days / 365)}y`;
  if (days >= 1) return `${days}d`;
  const hours = Math.floor(seconds / 3600);
  return hours >= 1 ? `${hours}h` : `${Math.max(1, Math.floor(seconds / 60))}m`;
}

function table(rows: string[][]): string[] {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((c, i) => (i < r.length - 1 ? c.padEnd((widths[i] ?? 0) + 3) : c)).join("").trimEnd());
}

/**
 * The certificate table in the spirit of `kubeadm certs check-expiration`:
 * leaf certificates (soonest first) with the CA that signed them, then the
 * CAs in a table of their own.
 */
export function formatCertificates(body: CertificatesResponse): string[] {
  const leaves = body.certificates.filter((c) => !c.isCA);
  const cas = body.certificates.filter((c) => c.isCA);
  const row = (c: CertificateView, ca: boolean) => [c.name, c.host, expires(c.notAfter), residual(c.residualTime), ...(ca ? [] : [c.caName ?? ""])];
  const lines: string[] = [];
  if (leaves.length > 0) lines.push(...table([["CERTIFICATE", "HOST", "EXPIRES", "RESIDUAL TIME", "CA"], ...leaves.map((c) => row(c, false))]));
  if (cas.length > 0) {
    if (lines.length > 0) lines.push("");
    lines.push(...table([["CERTIFICATE AUTHORITY", "HOST", "EXPIRES", "RESIDUAL TIME"], ...cas.map((c) => row(c, true))]));
  }
  if (lines.length === 0) lines.push("no certificates");
  return lines;
}
