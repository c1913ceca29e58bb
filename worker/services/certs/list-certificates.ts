import { and, asc, eq, lte } from "drizzle-orm";
import type { CertificateView, CertificatesQuery, CertificatesResponse } from "../../../schema/certs-api";
import { KeelError } from "../../../schema/errors";
import { certificates, clusters } from "../../../schema/tables";
import { openDb } from "../../core/db";

const DAY_MS = 86_400_000;
// k0s makes its CAs for 10 years and never renews them: a year ahead leaves time for the manual replacement.
const CA_WARNING_MS = 365 * DAY_MS;

/** "/var/lib/k0s/pki/etcd/peer.crt" → "etcd/peer"; "/var/lib/k0s/kubelet/pki/kubelet-client-current.pem" → "kubelet/kubelet-client-current". */
export function certificateName(path: string): string {
  const base = (p: string) => p.replace(/\.(crt|pem)$/, "");
  const kubelet = path.lastIndexOf("/kubelet/pki/");
  if (kubelet >= 0) return `kubelet/${base(path.slice(kubelet + "/kubelet/pki/".length))}`;
  const pki = path.lastIndexOf("/pki/");
  return pki >= 0 ? base(path.slice(pki + "/pki/".length)) : base(path);
}

/** The cluster's certificates as the last inventory of each host found them; the residual times count from `now`. */
export async function listCertificates(d1: D1Database, name: string, query: CertificatesQuery, now: number): Promise<CertificatesResponse> {
  const db = openDb(d1);
  const cluster = await db.select({ name: clusters.name }).from(clusters).where(eq(clusters.name, name)).get();
  if (!cluster) throw new KeelError("not_found", `cluster ${name} not found`);
  const rows = await db
    .select()
    .from(certificates)
    .where(and(eq(certificates.cluster, name), query.expiringWithin !== undefined ? lte(certificates.notAfter, now + query.expiringWithin) : undefined))
    .orderBy(asc(certificates.notAfter), asc(certificates.host), asc(certificates.path))
    .all();
  const cas = await db.select().from(certificates).where(and(eq(certificates.cluster, name), eq(certificates.isCA, true))).all();
  const caNames = new Map(cas.map((c) => [c.subject, certificateName(c.path)]));
  const view = (r: (typeof rows)[number]): CertificateView => ({
    host: r.host,
    path: r.path,
    name: certificateName(r.path),
    subject: r.subject,
    issuer: r.issuer,
    sans: r.sans,
    notBefore: r.notBefore,
    notAfter: r.notAfter,
    expirationDate: new Date(r.notAfter).toISOString(),
    residualTime: Math.floor((r.notAfter - now) / 1000),
    isCA: r.isCA,
    caName: r.isCA ? null : (caNames.get(r.issuer) ?? null),
    fingerprint: r.fingerprint,
    runId: r.runId,
    observedAt: r.observedAt,
  });
  const warnings: string[] = [];
  const seen = new Set<string>();
  for (const ca of cas.filter((c) => c.notAfter - now < CA_WARNING_MS)) {
    // The cluster CA is copied to every controller: one warning per CA, naming its hosts.
    if (seen.has(ca.fingerprint)) continue;
    seen.add(ca.fingerprint);
    const hosts = cas.filter((c) => c.fingerprint === ca.fingerprint).map((c) => c.host);
    const days = Math.floor((ca.notAfter - now) / DAY_MS);
    warnings.push(
      `CA ${certificateName(ca.path)} (${ca.subject}) on ${hosts.join(", ")} ${days < 0 ? `EXPIRED ${-days} days ago` : `expires in ${days} days`}: ` +
        "keel renews leaf certificates only; replacing a CA is a manual k0s procedure",
    );
  }
  if (rows.length === 0 && query.expiringWithin === undefined) warnings.push(`no certificate inventory for cluster ${name} yet: run keel certs inventory ${name}`);
  const views = rows.map(view);
  return { cluster: name, now, certificates: [...views.filter((v) => !v.isCA), ...views.filter((v) => v.isCA)], warnings };
}
