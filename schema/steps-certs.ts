import { z } from "zod";
import { SafePath, StepBase } from "./step-base";

/**
 * The certificates vocabulary (issue 7): read what k0s issued on a host, and
 * the checks a health-gated renewal waits on. Certificates are public; the
 * relay filters PEM on the host so a private key never leaves it (a `.key`
 * file is never opened, and a `.pem` holding a key and a certificate gives
 * only its CERTIFICATE blocks).
 */

/**
 * Which certificates a host holds, by what it runs: a controller's PKI is
 * `<dataDir>/pki` (recursively, etcd/ included); a node's kubelet keeps its
 * client and serving certificates in `<dataDir>/kubelet/pki`.
 */
const CertSources = {
  dataDir: SafePath,
  controller: z.boolean(),
  kubelet: z.boolean(),
};

/** Every certificate under the host's k0s directories, parsed on the relay; reported as a `certificates` report. */
export const CertInventoryStep = StepBase.extend({
  kind: z.literal("cert.inventory"),
  ...CertSources,
});

/** What a renewal compares against: one certificate as the inventory before the restart saw it. */
export const CertBefore = z.object({
  path: SafePath,
  notAfter: z.number().int(),
  isCA: z.boolean(),
  fingerprint: z.string().max(200),
});
export type CertBefore = z.infer<typeof CertBefore>;

/**
 * Reads the host's certificates again (reported like cert.inventory) and
 * fails unless every leaf of `before` has a later notAfter and every CA of
 * `before` is still there with the same fingerprint: the proof that a
 * restart re-issued the leaves and kept the CAs.
 */
export const CertCheckStep = StepBase.extend({
  kind: z.literal("cert.check"),
  ...CertSources,
  before: z.array(CertBefore).max(1000),
});

/**
 * Polls until this controller's etcd is healthy: `k0s etcd member-list`
 * answers and lists this controller's peer URL, and the API server's own
 * etcd check (`k0s kubectl get --raw=/readyz/etcd`) says ok.
 */
export const EtcdHealthStep = StepBase.extend({
  kind: z.literal("k0s.etcd.health"),
  installPath: SafePath,
  dataDir: SafePath,
  peerAddress: z.string().max(100).regex(/^[0-9A-Fa-f.:]+$/, "must be an IP address"),
});

export const CertStep = z.discriminatedUnion("kind", [CertInventoryStep, CertCheckStep, EtcdHealthStep]);
export type CertStep = z.infer<typeof CertStep>;
export type CertInventoryStep = z.infer<typeof CertInventoryStep>;
export type CertCheckStep = z.infer<typeof CertCheckStep>;
export type EtcdHealthStep = z.infer<typeof EtcdHealthStep>;
