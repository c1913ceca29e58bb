import type { RunStatus, StepStatus } from "../../schema/run-api";
import type { HostFacts, Step } from "../../schema/steps";
import type { K0sFactsReport } from "../../schema/steps-k0s";
import type { ApplyOptions } from "../planner/apply-facts";
import { batchesOf, hostKey, type Plan } from "../planner/plan";

/**
 * The state of a cluster's active run, as the ClusterObject keeps it in
 * Durable Object storage (so a run survives eviction and restarts). D1 holds a
 * mirror of it for readers; this is the source of truth while the run is active.
 * Everything here is plain JSON (structured-clone safe).
 */
export type Operation = "facts" | "apply";
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
  /** The relay's own policy from its hello: whether it runs the spec's hooks. */
  allowHooks: boolean;
}

/** What the gather phases found on one host; `k0s` from "Gather k0s facts". */
export type GatheredFacts = HostFacts & { k0s?: K0sFactsReport };

/** An apply run: gather phases first, then the phases planApply returns, appended once the facts are in. */
export interface ApplyRunState {
  options: ApplyOptions;
  /** How many phases gather (planFacts' and "Gather k0s facts"); planning happens once they all succeeded. */
  gatherPhases: number;
  planned: boolean;
  /** Spec paths of hooks every apply runs (apply.before/after): refused up front when the relay forbids hooks. */
  hookPaths: string[];
  /** The k0s facts each host has once the apply succeeds; stored as the cluster's facts then. */
  expected: Record<string, K0sFactsReport> | null;
}

/**
 * Set when a run stops early (a phase failed, or it was cancelled): no new plan
 * step is sent; once the steps in flight finish, the cleanup rules run (best
 * effort) in a phase of their own, then the run ends with `status`.
 */
export interface RunEnding {
  status: "failed" | "cancelled";
  error: string;
  /** The phase the run was in when it stopped, and whether it had started (for phase.skipped events). */
  stoppedPhase: number;
  stoppedPhaseStarted: boolean;
  cleanupPhase: number | null;
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
  facts: Record<string, GatheredFacts>;
  apply: ApplyRunState | null;
  ending: RunEnding | null;
  createdAt: number;
  startedAt: number | null;
}

export const TERMINAL_STEP: ReadonlySet<StepStatus> = new Set(["succeeded", "failed", "skipped", "cancelled"]);

/** Registers the steps of phases appended to the plan (apply planning, cleanup) as pending. */
export function addPhases(state: RunState, phases: Plan["phases"]): void {
  for (const phase of phases) {
    const index = state.plan.phases.length;
    state.plan.phases.push(phase);
    for (const step of phase.steps) {
      state.steps[step.id] = { id: step.id, phase: index, host: hostKey(step.host), status: "pending", dispatchedAt: null, deadline: null, sentTo: [], error: null };
    }
  }
}

export function newRunState(input: {
  id: string;
  cluster: string;
  site: string;
  operation: Operation;
  revision: number;
  requestedBy: string;
  plan: Plan;
  apply?: ApplyRunState;
  now: number;
}): RunState {
  const state: RunState = {
    id: input.id,
    cluster: input.cluster,
    site: input.site,
    operation: input.operation,
    revision: input.revision,
    requestedBy: input.requestedBy,
    status: "queued",
    plan: { ...input.plan, phases: [] },
    phase: 0,
    phaseStartedAt: null,
    steps: {},
    relay: null,
    waitingSince: null,
    facts: {},
    apply: input.apply ?? null,
    ending: null,
    createdAt: input.now,
    startedAt: null,
  };
  addPhases(state, input.plan.phases);
  return state;
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

/** The cleanup phase ignores failures: every step gets its chance, and none fails the (already failed) run. */
export function bestEffort(state: RunState): boolean {
  return state.ending !== null && state.ending.cleanupPhase === state.phase;
}

/**
 * Steps of the current phase that may be sent now: in the current batch (the
 * first one not finished; it starts only once the batch before succeeded),
 * pending, not behind an unfinished earlier step for the same host (a host's
 * steps run in plan order), and within the concurrency limit counting what is
 * already in flight. Nothing new is sent once a step of the phase failed or
 * the run is stopping.
 */
export function readySteps(state: RunState): Step[] {
  const phase = state.plan.phases[state.phase];
  if (!phase) return [];
  const lenient = bestEffort(state);
  if (state.ending && !lenient) return [];
  let current: Step[] | null = null;
  for (const batch of batchesOf(phase)) {
    const statuses = batch.map((step) => state.steps[step.id]?.status ?? "pending");
    if (!lenient && statuses.includes("failed")) return [];
    if (statuses.every((s) => TERMINAL_STEP.has(s))) {
      if (!lenient && statuses.some((s) => s !== "succeeded")) return [];
      continue;
    }
    current = batch;
    break;
  }
  if (!current) return [];
  let budget = Math.max(0, (phase.concurrency ?? state.plan.concurrency) - inFlight(state).length);
  const blockedHosts = new Set<string>();
  const ready: Step[] = [];
  for (const step of current) {
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

/**
 * The current phase is over: every step finished (an empty phase counts as
 * finished), or a step failed and nothing of the phase is still in flight
 * (later batches never start).
 */
export function phaseDone(state: RunState): boolean {
  const steps = phaseSteps(state, state.phase);
  if (steps.every((s) => TERMINAL_STEP.has(s.status))) return true;
  if (bestEffort(state)) return false;
  return steps.some((s) => s.status === "failed") && !steps.some((s) => s.status === "running");
}

/** The run's error when a phase failed: the phase, then each failed host (k0sctl style). */
export function phaseFailure(state: RunState): string | null {
  const failed = phaseSteps(state, state.phase).filter((s) => s.status === "failed");
  if (failed.length === 0) return null;
  const name = state.plan.phases[state.phase]?.name ?? `phase ${state.phase + 1}`;
  // Hosts that failed the same way are named together, so five identical
  // failures read as one line instead of five copies.
  const byReason = new Map<string, string[]>();
  for (const s of failed) {
    const text = s.error ?? `${s.host}: failed`;
    const reason = text.startsWith(`${s.host}: `) ? text.slice(s.host.length + 2) : text;
    byReason.set(reason, [...(byReason.get(reason) ?? []), s.host]);
  }
  return `${name}: ${[...byReason].map(([reason, hosts]) => `${hosts.join(", ")}: ${reason}`).join("; ")}`;
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
