import { FINISHED_RUN_STATUSES, type RunStatus, type StepStatus } from "../../schema/run-api";
import type { Step } from "../../schema/steps";
import type { K0sFactsReport } from "../../schema/steps-k0s";
import type { RunReport } from "../../schema/step-reports";
import type { StoredHostFacts } from "../../schema/stored-facts";
import type { OperationName } from "../planner/operations";
import { batchesOf, type Plan, type PlanPhase } from "../planner/plan";
import { hostKey } from "../../schema/step-base";
import type { RunOptions } from "../planner/run-inputs";
import type { RunEvent } from "./run-events";

/**
 * The state of a cluster's active run, as the ClusterObject keeps it in
 * Durable Object storage: the source of truth while the run is active. D1
 * holds a mirror rebuilt from it (see `outbox`). Plain JSON throughout, so
 * the transitions can copy it and storage can keep it.
 */
export type { RunStatus, StepStatus };

export interface StepState {
  id: string;
  phase: number;
  /** "address:port". */
  host: string;
  status: StepStatus;
  dispatchedAt: number | null;
  finishedAt: number | null;
  /** When the step counts as timed out if no step.finished came (timeoutMs + grace after the last send). */
  deadline: number | null;
  /** Relays the step was sent to; only these may report its result. */
  sentTo: string[];
  /** "host: code: message" for failed steps, as it appears in the run's error. */
  error: string | null;
}

/** The relay connection the steps in flight were last sent on. */
export interface RelayBinding {
  name: string;
  connectionId: string;
  /** The relay's own policy from its hello: whether it runs the spec's hooks. */
  allowHooks: boolean;
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

/** What a finished step reported beyond its status: written to its D1 row, then dropped from the state. */
export interface StepOutput {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  command: string | null;
}

/** An audit entry the run owes the log; appended with the mirror writes it belongs to. */
export interface RunAudit {
  actor: string;
  action: string;
  outcome: "ok" | "failed";
  details: Record<string, unknown>;
}

/**
 * The D1 writes this run still owes, recorded by the transitions and cleared
 * by the driver once D1 took them. Kept in the state, so a D1 batch that
 * fails is retried (next transition or alarm) instead of lost: the mirror can
 * lag, never stay wrong.
 */
export interface Outbox {
  /** The run row (status, error, times) changed or does not exist yet. */
  run: boolean;
  /** The plan changed (phases appended). */
  plan: boolean;
  /** Step rows to write, by step id; a finished step carries its output. */
  steps: Record<string, StepOutput | null>;
  events: (RunEvent & { seq: number })[];
  audit: RunAudit[];
  /** Reports to store in their own D1 tables (worker/runs/report-writers.ts). */
  reports: RunReport[];
  /** The cluster row at the end of the run: its facts, and its applied revision when the run changes it (an apply sets it, a reset clears it). */
  cluster: { facts: Record<string, StoredHostFacts> | null; applied: { revision: number | null } | null } | null;
}

/** Cleanup steps a run left to the cluster's next run. */
export interface OwedCleanup {
  runId: string;
  phase: PlanPhase;
}

export interface RunState {
  id: string;
  cluster: string;
  site: string;
  operation: OperationName;
  revision: number;
  requestedBy: string;
  options: RunOptions;
  status: RunStatus;
  error: string | null;
  plan: Plan;
  /** Index of the phase being executed. */
  phase: number;
  phaseStartedAt: number | null;
  steps: Record<string, StepState>;
  relay: RelayBinding | null;
  /** The relay must be looked up before the next send: a send failed, a relay said hello, or this object restarted. */
  relayStale: boolean;
  /** Set while no relay can take steps; the run fails once RELAY_WAIT_SECONDS have passed. */
  waitingSince: number | null;
  /** What the gather phases found, by host. */
  facts: Record<string, StoredHostFacts>;
  /** What steps reported beyond facts (certificates, …), in the order they finished. */
  reports: RunReport[];
  /** Set when the first phases gather and the rest is planned from what they found. */
  gather: { phases: number; planned: boolean } | null;
  /** Set once `next` planned, for operations with a follow-up: planned when the run reaches phase `phases` (absent in states stored before follow-ups existed). */
  followUp?: { phases: number; planned: boolean } | null;
  /** Spec paths of hooks the run will run; refused before any step when the relay forbids hooks. */
  hookPaths: string[];
  /** The k0s facts each host has once the run succeeds (apply); stored as the cluster's facts then. */
  expected: Record<string, K0sFactsReport> | null;
  ending: RunEnding | null;
  /** Cleanup this run owed but could not do (its relay went away): the cluster's next run does it first. */
  owedCleanup: OwedCleanup | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** Sequence number of the last event: events are written to D1 idempotently by (run, seq). */
  eventSeq: number;
  outbox: Outbox;
}

export const TERMINAL_STEP: ReadonlySet<StepStatus> = new Set(["succeeded", "failed", "skipped", "cancelled"]);

export function emptyOutbox(): Outbox {
  return { run: false, plan: false, steps: {}, events: [], audit: [], reports: [], cluster: null };
}

export function isFinished(state: RunState): boolean {
  return FINISHED_RUN_STATUSES.has(state.status);
}

/** Registers the steps of phases appended to the plan (apply planning, cleanup) as pending. */
export function addPhases(state: RunState, phases: Plan["phases"]): void {
  for (const phase of phases) {
    const index = state.plan.phases.length;
    state.plan.phases.push(phase);
    for (const step of phase.steps) {
      state.steps[step.id] = { id: step.id, phase: index, host: hostKey(step.host), status: "pending", dispatchedAt: null, finishedAt: null, deadline: null, sentTo: [], error: null };
      state.outbox.steps[step.id] = null;
    }
  }
  state.outbox.plan = true;
}

export function phaseSteps(state: RunState, phase: number): StepState[] {
  return Object.values(state.steps).filter((s) => s.phase === phase);
}

export function inFlight(state: RunState): StepState[] {
  return Object.values(state.steps).filter((s) => s.status === "running");
}

export function findStep(state: RunState, stepId: string): Step | undefined {
  const s = state.steps[stepId];
  return s ? state.plan.phases[s.phase]?.steps.find((step) => step.id === stepId) : undefined;
}

/** The cleanup phase ignores failures: every step gets its chance, and none fails the (already failed) run. */
export function bestEffort(state: RunState): boolean {
  return state.plan.phases[state.phase]?.bestEffort === true || (state.ending !== null && state.ending.cleanupPhase === state.phase);
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

export interface RunTiming {
  /** How long a run waits for a relay of its site before it fails. */
  relayWaitMs: number;
  relayPollMs: number;
  watchdogMs: number;
}

/**
 * When the ClusterObject must wake up next: a step deadline, the next relay
 * poll, or at the latest the watchdog tick. An active run always has an alarm:
 * the tick notices a relay that reconnected or vanished without telling us,
 * and retries D1 writes that failed.
 */
export function nextWake(state: RunState, timing: RunTiming, now: number): number {
  const candidates = [now + timing.watchdogMs];
  if (state.waitingSince !== null) candidates.push(Math.min(now + timing.relayPollMs, state.waitingSince + timing.relayWaitMs));
  for (const s of inFlight(state)) if (s.deadline !== null) candidates.push(s.deadline);
  return Math.min(...candidates);
}
