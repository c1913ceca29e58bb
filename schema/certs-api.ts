import { z } from "zod";

/**
 * Bodies of the certificate routes: POST /clusters/:name/certificates/inventory,
 * POST /clusters/:name/certificates/renew?workers=true and
 * GET /clusters/:name/certificates?expiringWithin=30d. The list is shaped after
 * `kubeadm certs check-expiration -o json` (name, expiration, residual time in
 * seconds, CA name), with the host each certificate lives on.
 */

const HOUR_MS = 3_600_000;
const UNIT_MS = { h: HOUR_MS, d: 24 * HOUR_MS } as const;

/** "30d" or "12h" → milliseconds. */
export const ExpiryWindow = z
  .string()
  .regex(/^[1-9]\d{0,4}[dh]$/, "must be a duration in days or hours, like 30d or 12h")
  .transform((v) => Number(v.slice(0, -1)) * UNIT_MS[v.slice(-1) as keyof typeof UNIT_MS]);

export const CertificatesQuery = z.object({
  /** Only certificates that expire within this window from now (expired ones included). */
  expiringWithin: ExpiryWindow.optional(),
});
export type CertificatesQuery = z.infer<typeof CertificatesQuery>;

const QueryFlag = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

export const RenewQuery = z.object({
  /** Also restart k0sworker on every worker, in apply's disruption batches. */
  workers: QueryFlag.default(false),
});
export type RenewQuery = z.infer<typeof RenewQuery>;

export const CertificateView = z.object({
  /** "address:port" of the host the file is on. */
  host: z.string(),
  path: z.string(),
  /** Short name as kubeadm prints it: "server", "etcd/peer", "kubelet/kubelet-client-current". */
  name: z.string(),
  subject: z.string(),
  issuer: z.string(),
  sans: z.array(z.string()),
  notBefore: z.number(),
  notAfter: z.number(),
  /** notAfter as RFC 3339. */
  expirationDate: z.string(),
  /** Seconds until notAfter (negative once expired), as kubeadm's residualTime. */
  residualTime: z.number().int(),
  isCA: z.boolean(),
  /** The short name of the CA in the inventory that issued it ("ca", "etcd/ca"); null when unknown or itself a CA. */
  caName: z.string().nullable(),
  fingerprint: z.string(),
  runId: z.string(),
  observedAt: z.number(),
});
export type CertificateView = z.infer<typeof CertificateView>;

export const CertificatesResponse = z.object({
  cluster: z.string(),
  /** When the residual times were computed. */
  now: z.number(),
  /** Leaf certificates first, soonest to expire first; then the CAs. */
  certificates: z.array(CertificateView),
  /** CAs within a year of their end (keel does not renew CAs), and a missing inventory. */
  warnings: z.array(z.string()),
});
export type CertificatesResponse = z.infer<typeof CertificatesResponse>;
