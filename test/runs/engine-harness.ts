import type { ClusterSpec } from "../../schema/cluster";
import type { Step, StepResult } from "../../schema/steps";
import type { RunInputs } from "../../worker/planner/run-inputs";
import type { RunEffect } from "../../worker/runs/run-effects";
import type { RunContext } from "../../worker/runs/run-progress";
import type { RelayBinding, RunState } from "../../worker/runs/run-state";
import { startRun, transition, type RunInput, type Transition } from "../../worker/runs/run-transitions";

/**
 * Drives the pure run engine in memory: a clock the test moves, and a relay
 * the test scripts (which steps it answers, and how). No workerd, no D1: the
 * transitions are functions, and these tests call them the way the driver does.
 */
export const TIMING = { relayWaitMs: 60_000, relayPollMs: 1_000, watchdogMs: 10_000 };
export const RELAY: RelayBinding = { name: "dc1-relay", connectionId: "conn-1", allowHooks: true };

export function inputs(spec: ClusterSpec, extra: Partial<RunInputs> = {}): RunInputs {
  return { cluster: spec.metadata.name, site: "dc1", revision: 1, spec, lastApplied: null, appliedRevision: null, facts: {}, ...extra };
}

export type Answer = (step: Step) => StepResult | null;

export const ok = (extra: Partial<StepResult> = {}): StepResult => ({ ok: true, exitCode: 0, stdout: "", stderr: "", durationMs: 1, ...extra });

/** A relay that answers every step with success, with host facts for host.facts. */
export const succeedAll: Answer = (step) => {
  if (step.kind === "host.facts") return ok({ facts: { arch: "x86_64", hostname: `node-${step.host.address.split(".").pop()}`, privateAddress: step.host.address } });
  if (step.kind === "k0s.facts") return ok({ k0s: { running: false } });
  return ok();
};

export class EngineHarness {
  now = 1_000_000;
  state!: RunState;
  /** Steps sent and not yet answered, in send order. */
  inbox: Step[] = [];
  sent: Step[] = [];
  cancelled: string[] = [];
  relay: RelayBinding | null = RELAY;
  /** When false, sends fail (the relay's socket is gone). */
  deliverable = true;

  constructor(readonly runInputs: RunInputs) {}

  ctx(): RunContext {
    return { now: this.now, timing: TIMING, inputs: this.runInputs };
  }

  start(operation: "facts" | "apply" | "restore", options = {}, owed: RunState["owedCleanup"] = null, id = "run_test"): Transition {
    const started = startRun({ id, operation, requestedBy: "token:t1", options, owed }, this.ctx());
    if (!started.ok) throw new Error(started.error.message);
    this.state = started.transition.state;
    this.perform(started.transition.effects);
    return started.transition;
  }

  input(input: RunInput): Transition {
    const t = transition(this.state, input, this.ctx());
    this.state = t.state;
    this.perform(t.effects);
    return t;
  }

  /** Answers the steps in the inbox with `answer` (null: leave it unanswered) until nothing more arrives. */
  run(answer: Answer = succeedAll, limit = 10_000): void {
    for (let i = 0; i < limit; i++) {
      const step = this.inbox.shift();
      if (!step) return;
      const result = answer(step);
      if (result === null) continue;
      this.now += 10;
      this.input({ type: "step.finished", stepId: step.id, relay: RELAY.name, result });
    }
    throw new Error("the run did not settle");
  }

  private depth = 0;

  private perform(effects: RunEffect[]): void {
    const answers: RunInput[] = [];
    for (const e of effects) {
      // Like the driver: after a few lookups in one call, answer "no relay" instead of spinning.
      if (e.type === "find_relay") answers.push({ type: "relay.found", relay: this.depth < 4 ? this.relay : null });
      if (e.type === "send") {
        if (!this.deliverable) answers.push({ type: "relay.unsent", stepIds: e.steps.map((s) => s.id) });
        else {
          this.inbox.push(...e.steps);
          this.sent.push(...e.steps);
        }
      }
      if (e.type === "cancel_steps") this.cancelled.push(...e.steps.map((s) => s.stepId));
    }
    this.depth++;
    try {
      for (const a of answers) this.input(a);
    } finally {
      this.depth--;
    }
  }

  count(kind: Step["kind"]): number {
    return this.sent.filter((s) => s.kind === kind).length;
  }

  events(): string[] {
    return this.state.outbox.events.map((e) => e.message);
  }
}
