import type { StepResult } from "../../schema/steps";
import type { RunEvent } from "./run-events";
import type { RunState, StepState } from "./run-state";

/**
 * The transitions' only way to say something to D1: lines for the run's log
 * and rows to rewrite, queued in the state's outbox (numbered, so writing them
 * twice changes nothing).
 */

export function log(state: RunState, at: number, level: RunEvent["level"], type: string, phase: string | null, message: string): void {
  logEvents(state, [{ at, level, type, phase, host: null, message }]);
}

export function logEvents(state: RunState, events: RunEvent[]): void {
  for (const event of events) state.outbox.events.push({ ...event, seq: ++state.eventSeq });
}

/** The run row changed (status, error, times). */
export function touchRun(state: RunState): void {
  state.outbox.run = true;
}

/** A step's row changed; a finished step's output rides along until D1 has it. */
export function touchStep(state: RunState, s: StepState, result?: StepResult): void {
  const previous = state.outbox.steps[s.id];
  state.outbox.steps[s.id] = result ? { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr, command: result.command ?? null } : (previous ?? null);
}
