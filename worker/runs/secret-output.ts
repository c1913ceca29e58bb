import { traitsOf } from "../../schema/step-kinds";
import type { Step, StepResult } from "../../schema/steps";

/**
 * A step whose stdout is a secret (schema/step-kinds.ts): the relay is meant
 * to keep it to itself, but what reaches the API is blanked here, before any
 * write, so a relay bug cannot put a secret in D1 or in events.
 */
export function withoutSecrets(step: Step, result: StepResult): StepResult {
  return traitsOf(step.kind).secretStdout && result.stdout !== "" ? { ...result, stdout: "" } : result;
}

/** Steps a cancel may interrupt; an install, a config write or a restart is always left to finish. */
export function safeToAbort(step: Step): boolean {
  return traitsOf(step.kind).abortable;
}
