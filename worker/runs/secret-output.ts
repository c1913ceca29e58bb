import type { Step, StepKind, StepResult } from "../../schema/steps";

/**
 * Kinds whose stdout is a secret (a join token, an admin kubeconfig). The relay
 * is meant to keep such output to itself, but what reaches the API is blanked
 * here, before any write: a relay bug must not put a secret in D1 or in events.
 */
const SECRET_STDOUT: ReadonlySet<StepKind> = new Set(["k0s.token.create", "k0s.kubeconfig.admin"]);

export function withoutSecrets(step: Step, result: StepResult): StepResult {
  return SECRET_STDOUT.has(step.kind) && result.stdout !== "" ? { ...result, stdout: "" } : result;
}

/**
 * Steps a cancel may interrupt: they read or wait and change nothing on the
 * host. An install, a config write or a restart is always left to finish.
 */
const ABORTABLE: ReadonlySet<StepKind> = new Set(["host.connect", "host.os", "host.facts", "host.disconnect", "k0s.facts", "k0s.wait.ready"]);

export function safeToAbort(step: Step): boolean {
  return ABORTABLE.has(step.kind);
}
