import type { CertificateInfo } from "../../schema/step-reports";
import type { CertStep } from "../../schema/steps-certs";
import type { K0sStep } from "../../schema/steps-k0s";
import type { Step } from "../../schema/steps";
import type { CertHost } from "./cert-hosts";

/** Builders for the certificate operations' steps; ids are "<what>:<address:port>" of the host they are about, like apply's. */

const MINUTE = 60_000;

function sources(h: CertHost) {
  return { dataDir: h.dataDir, controller: h.controller, kubelet: h.kubelet };
}

export function certInventory(h: CertHost, what = "cert-inventory"): CertStep {
  return { kind: "cert.inventory", id: `${what}:${h.key}`, host: h.target, timeoutMs: 2 * MINUTE, ...sources(h) };
}

export function certCheck(h: CertHost, before: readonly CertificateInfo[]): CertStep {
  return {
    kind: "cert.check",
    id: `cert-check:${h.key}`,
    host: h.target,
    timeoutMs: 2 * MINUTE,
    ...sources(h),
    before: before.map((c) => ({ path: c.path, notAfter: c.notAfter, isCA: c.isCA, fingerprint: c.fingerprint })),
  };
}

export function etcdHealth(h: CertHost, timeoutMs: number): CertStep {
  return { kind: "k0s.etcd.health", id: `etcd-health:${h.key}`, host: h.target, timeoutMs, installPath: h.spec.k0sInstallPath, dataDir: h.dataDir, peerAddress: h.privateAddress };
}

export function restart(h: CertHost, service: "k0scontroller" | "k0sworker"): K0sStep {
  return { kind: "service.restart", id: `restart:${h.key}`, host: h.target, timeoutMs: 2 * MINUTE, service };
}

export function readyz(h: CertHost, timeoutMs: number): K0sStep {
  return { kind: "k0s.wait.ready", id: `readyz:${h.key}`, host: h.target, timeoutMs, installPath: h.spec.k0sInstallPath, dataDir: h.dataDir, for: { what: "readyz" } };
}

/** Waits on `on` (a running controller) for `h`'s node to be Ready. */
export function nodeReady(h: CertHost & { nodeName: string }, on: CertHost, timeoutMs: number): K0sStep {
  return { kind: "k0s.wait.ready", id: `node-ready:${h.key}`, host: on.target, timeoutMs, installPath: on.spec.k0sInstallPath, dataDir: on.dataDir, for: { what: "node", nodeName: h.nodeName } };
}

export function disconnect(h: CertHost): Step {
  return { kind: "host.disconnect", id: `disconnect:${h.key}`, host: h.target, timeoutMs: 30_000 };
}
