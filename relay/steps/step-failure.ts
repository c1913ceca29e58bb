import type { StepOutcome } from "./step-context";

/**
 * Thrown by step helpers deep in a transfer or a command sequence to end the
 * step with `outcome`; the executor turns it back into that outcome.
 */
export class StepFailure extends Error {
  constructor(readonly outcome: StepOutcome) {
    super(outcome.error?.message ?? "step failed");
  }
}
