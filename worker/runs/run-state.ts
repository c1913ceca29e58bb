import type { RunStatus, StepStatus } from "../../schema/run-api";
import type { HostFacts, Step } from "../../schema/steps";
import { hostKey, type Plan } from "../planner/plan";

/**
 * The state of a cluster's active run, as the ClusterObject keeps it in
 * Durable Object storage (so a run survives eviction and restarts). D1 holds a
 * mirror of it for readers; this is the source of truth while the run is active.
 * Everything here is plain JSON (structured-clone safe).
 */
export type Operation = "facts";
export type { RunStatus, StepStatus };

export interface StepState {
  id: string;
  phase: number;
  /** "address:port". */
  host: string;
  status: StepStatus;
  dispatchedAt: number | null;
  /** When the step counts as timed out if no step.finished came (timeoutMs + grace after the last send). */
  deadline: number | null;
  /** Relays the step was sent to; only these may report its result. */
  sentTo: string[];
  /** "host: code: message" for failed steps, as it appears in the run's error. */
  error: string | null;
}

/** The relay connection the in-flight steps were last sent on. */
export interface RelayBinding {
  name: string;
  connectionId: string;
}

export interface RunState {
  id: string;
  cluster: string;
  site: string;
  operation: Operation;
  revision: number;
  requestedBy: string;
  status: RunStatus;
  plan: Plan;
  /** Index of the phase being executed. */
  phase: number;
  phaseStartedAt: number | null;
  steps: Record<string, StepState>;
  relay: RelayBinding | null;
  /** Set while no relay can take steps; the run fails once RELAY_WAIT_SECONDS have passed. */
  waitingSince: number | null;
  facts: Record<string, HostFacts>;
  createdAt: number;
  startedAt: number | null;
}

export const TERMINAL_STEP: ReadonlySet<StepStatus> = new Set(["succeeded", "failed", "skipped", "cancelled"]);

export function newRunState(input: {
  id: string;
  cluster: string;
  site: string;
  operation: Operation;
  revision: number;
  requestedBy: string;
  plan: Plan;
  now: number;
}): RunState {
  const steps: Record<string, StepState> = {};
  input.plan.phases.forEach((phase, index) => {
    for (const step of phase.steps) {
      steps[step.id] = { id: step.id, phase: index, host: hostKey(step.host), status: "pending", dispatchedAt: null, deadline: null, sentTo: [], error: null };
    }
  });
  return {
    id: input.id,
    cluster: input.cluster,
    site: input.site,
    operation: input.operation,
    revision: input.revision,
    requestedBy: input.requestedBy,
    status: "queued",
    plan: input.plan,
    phase: 0,
    phaseStartedAt: null,
    steps,
    relay: null,
    waitingSince: null,
    facts: {},
    createdAt: input.now,
    startedAt: null,
  };
}

export function phaseSteps(state: RunState, phase: number): StepState[] {
  return Object.values(state.steps).filter((s) => s.phase === phase);
}

export function inFlight(state: RunState): StepState[] {
  return Object.values(state.steps).filter((s) => s.status === "running");
}

export function findStep(state: RunState, stepId: string): Step | undefined {
  for (const phase of state.plan.phases) {
    const step = phase.steps.find((s) => s.id === stepId);
    if (step) return step;
  }
  return undefined;
}

/**
 * Steps of the current phase that may be sent now: pending, not behind an
 * unfinished earlier step for the same host (a host's steps run in plan
 * order), and within the concurrency limit counting what is already in flight.
 */
export function readySteps(state: RunState): Step[] {
  const phase = state.plan.phases[state.phase];
  if (!phase) return [];
  let budget = Math.max(0, state.plan.concurrency - inFlight(state).length);
  const blockedHosts = new Set<string>();
  const ready: Step[] = [];
  for (const step of phase.steps) {
    if (budget === 0) break;
    const s = state.steps[step.id];
    if (!s) continue;
    if (s.status === "pending" && !blockedHosts.has(s.host)) {
      ready.push(step);
      budget--;
    }
    if (!TERMINAL_STEP.has(s.status)) blockedHosts.add(s.host);
  }
  return ready;
}

/** Every step of the current phase has finished (an empty phase counts as finished). */
export function phaseDone(state: RunState): boolean {
  return phaseSteps(state, state.phase).every((s) => TERMINAL_STEP.has(s.status));
}

/** The run's error when a phase failed: the phase, then each failed host (k0sctl style). */
export function phaseFailure(state: RunState): string | null {
  const failed = phaseSteps(state, state.phase).filter((s) => s.status === "failed");
  if (failed.length === 0) return null;
  const name = state.plan.phases[state.phase]?.name ?? `phase ${state.phase + 1}`;
  return `${name}: ${failed.map((s) => s.error ?? `${s.host}: failed`).join("; ")}`;
}

/**
 * When the ClusterObject must wake up next: a step deadline, the next relay
 * poll, or at the latest the watchdog tick. An active run always has an alarm:
 * the tick notices a relay that reconnected or vanished without telling us,
 * and retries a transition that failed half-way (a D1 or RPC error).
 */
export function nextWake(state: RunState, timing: { relayPollMs: number; relayWaitMs: number; watchdogMs: number }, now: number): number {
  const candidates = [now + timing.watchdogMs];
  if (state.waitingSince !== null) candidates.push(Math.min(now + timing.relayPollMs, state.waitingSince + timing.relayWaitMs));
  for (const s of inFlight(state)) if (s.deadline !== null) candidates.push(s.deadline);
  return Math.min(...candidates);
}
