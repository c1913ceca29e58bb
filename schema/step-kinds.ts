import type { StepKind } from "./steps";

/**
 * What both ends must agree on about each step kind, kept in one table so a
 * new kind cannot be added without deciding them (the `satisfies` below fails
 * to compile when a kind is missing or unknown).
 */
export interface StepKindTraits {
  /**
   * stdout carries a secret (a join token, an admin kubeconfig): the relay
   * never journals or logs it, and the API never stores it.
   */
  secretStdout: boolean;
  /**
   * A cancel may interrupt it while it runs: it only reads or waits, or its
   * writes land in a temp file renamed at the very end, so stopping it
   * half-way leaves the host as it was. Anything else is left to finish.
   */
  abortable: boolean;
  /**
   * Running it a second time is harmless. False for steps whose second run
   * does something else than the first (a second install, a second token, a
   * second reset, a hook's arbitrary commands): after a crash with no result
   * they are never re-run blindly.
   */
  repeatable: boolean;
}

const reads = { secretStdout: false, abortable: true, repeatable: true } as const;
const converges = { secretStdout: false, abortable: false, repeatable: true } as const;
const once = { secretStdout: false, abortable: false, repeatable: false } as const;

export const STEP_KINDS = {
  "host.connect": reads,
  "host.os": reads,
  "host.facts": reads,
  "host.disconnect": reads,
  "k0s.facts": reads,
  "k0s.wait.ready": reads,
  "k0s.binary.stage": { ...converges, abortable: true },
  "file.upload": { ...converges, abortable: true },
  "k0s.binary.install": converges,
  "k0s.config.write": converges,
  "service.start": converges,
  "service.stop": converges,
  // A second restart is a second outage of the node's k0s.
  "service.restart": once,
  "k0s.install": once,
  "k0s.token.create": { ...once, secretStdout: true },
  // The relay forgets the token once invalidated: a second run has nothing to invalidate.
  "k0s.token.invalidate": once,
  "kube.cordon": converges,
  "kube.drain": converges,
  "kube.uncordon": converges,
  "kube.node.delete": once,
  "kube.apply": converges,
  "k0s.etcd.leave": once,
  "k0s.reset": once,
  "hook.run": once,
  "k0s.kubeconfig.admin": { ...reads, secretStdout: true },
  // Writes USER.{crt,key} then removes them: stopping it half-way could leave a private key on the controller.
  "k0s.kubeconfig.create": { ...once, secretStdout: true },
  // Each run of k0s backup is a new archive in the store (and may prune an older one).
  "k0s.backup": once,
  "k0s.restore": once,
  "cert.inventory": reads,
  "cert.check": reads,
  "k0s.etcd.health": reads,
} as const satisfies Record<StepKind, StepKindTraits>;

export function traitsOf(kind: StepKind): StepKindTraits {
  return STEP_KINDS[kind];
}
