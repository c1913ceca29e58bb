import type { Step, StepResult } from "../../schema/steps";
import type { Env } from "../core/env";
import { cancelStep, sendSteps } from "./relay-dispatch";
import type { StepAck } from "./run-rpc";
import type { RelayBinding } from "./run-state";

interface Pending {
  stepId: string;
  relay: string;
  resolve: (result: StepResult) => void;
}

export type EphemeralOutcome = { ok: true; result: StepResult } | { ok: false; reason: "unsent" | "timeout" };

/**
 * Steps that are requests, not runs: their result goes back to the waiting
 * caller and nowhere else. Nothing about them is written to storage or D1
 * (an admin kubeconfig travels in the result), so they live in memory only,
 * for as long as the caller's request keeps this object awake.
 */
export class EphemeralSteps {
  private readonly pending = new Map<string, Pending>();

  async run(env: Env, relay: RelayBinding, cluster: string, runId: string, step: Step, waitMs: number): Promise<EphemeralOutcome> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const answered = new Promise<StepResult>((resolve) => this.pending.set(runId, { stepId: step.id, relay: relay.name, resolve }));
    try {
      const sent = await sendSteps(env, relay, cluster, runId, [step]);
      if (sent.unsent.length + sent.rejected.length > 0) return { ok: false, reason: "unsent" };
      const timedOut = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), waitMs)));
      const result = await Promise.race([answered, timedOut]);
      if (result) return { ok: true, result };
      await cancelStep(env, relay.name, runId, step.id);
      return { ok: false, reason: "timeout" };
    } finally {
      clearTimeout(timer);
      this.pending.delete(runId);
    }
  }

  /** An ack when the frame is about one of these steps; null when it belongs to a run. */
  started(runId: string, stepId: string, relay: string): StepAck | null {
    const p = this.pending.get(runId);
    if (!p) return null;
    return p.stepId === stepId && p.relay === relay ? { accepted: true } : { accepted: false, reason: `step ${stepId} of ${runId} was not sent to relay ${relay}` };
  }

  finished(runId: string, stepId: string, result: StepResult, relay: string): StepAck | null {
    const ack = this.started(runId, stepId, relay);
    const p = this.pending.get(runId);
    if (!ack?.accepted || !p) return ack;
    p.resolve(result);
    return { accepted: true };
  }
}
