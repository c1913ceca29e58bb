import { fail } from "../../schema/errors";
import { openDb } from "../core/db";
import { loadRunInputs } from "../core/load-run-inputs";
import { EnvVars, type Env } from "../core/env";
import type { RunInputs } from "../planner/run-inputs";
import type { RunEffect } from "./run-effects";
import { hasMirrorWork, writeMirror } from "./run-mirror";
import type { RunContext } from "./run-progress";
import { StartRunInput, type RunResult, type RunSummary, type StepAck } from "./run-rpc";
import { emptyOutbox, isFinished, nextWake, type OwedCleanup, type RunState, type RunTiming } from "./run-state";
import { startRun, summary, transition, type RunInput, type Transition } from "./run-transitions";
import { cancelStep, findRelay, sendSteps } from "./relay-dispatch";
import { handRunEvents } from "../notify/run-hook";

const RUN_KEY = "run";
const INPUTS_KEY = "run:inputs";
const LAST_RUN_KEY = "lastRun";
const OWED_KEY = "owedCleanup";
// Relay lookups and sends answered within one call: a relay that accepts the
// connection check but then refuses frames must not spin the driver.
const MAX_ROUNDS = 4;
// A D1 write that failed is retried this soon (the outbox keeps it meanwhile).
const MIRROR_RETRY_MS = 2_000;

/**
 * The thin, effectful half of the run engine, owned by the ClusterObject: it
 * loads the run, calls the pure transitions (run-transitions.ts), stores the
 * new state before anything leaves this object, performs the effects and
 * feeds their answers back, then writes the D1 mirror from the state's outbox
 * and sets the alarm. The ClusterObject calls one method at a time.
 */
export class RunDriver {
  /** False until this instance has handled its first call: a stored run is then resumed (see RunInput "resume"). */
  private resumed = false;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly env: Env,
  ) {}

  async activeRun(): Promise<RunSummary | null> {
    const state = await this.storage.get<RunState>(RUN_KEY);
    return state && !isFinished(state) ? summary(state) : null;
  }

  async start(raw: unknown): Promise<RunResult> {
    const input = StartRunInput.parse(raw);
    const active = await this.load();
    if (active && !isFinished(active.state)) {
      const s = active.state;
      return fail("conflict", `cluster ${input.cluster} already has an active run ${s.id} (${s.operation}, ${s.status})`);
    }
    // A finished run whose last D1 writes are still owed: write them before the lock is taken again.
    if (active) await this.settle(active.state);
    const loaded = await loadRunInputs(openDb(this.env.DB), input.cluster);
    if (!loaded.ok) return loaded;
    if (input.revision !== undefined && input.revision !== loaded.inputs.revision) {
      return fail("conflict", `cluster ${input.cluster} is at revision ${loaded.inputs.revision}, not revision ${input.revision}`);
    }
    const ctx = this.context(loaded.inputs);
    const id = input.runId ?? `run_${crypto.randomUUID()}`;
    const options = {
      ...(input.waitTimeoutMs !== undefined ? { waitTimeoutMs: input.waitTimeoutMs } : {}),
      ...(input.restore ? { restore: input.restore } : {}),
      ...(input.workers ? { workers: true } : {}),
    };
    const owed = (await this.storage.get<OwedCleanup>(OWED_KEY)) ?? null;
    const started = startRun({ id, operation: input.operation, requestedBy: input.requestedBy, options, owed }, ctx);
    if (!started.ok) return started;
    const state = started.transition.state;
    // Locked in storage first; then the run's rows and its audit entry, so
    // readers can resolve a run id the API returned. If D1 refuses them, the
    // lock is given back and nothing happened.
    await this.storage.put({ [RUN_KEY]: state, [INPUTS_KEY]: loaded.inputs });
    if (owed) await this.storage.delete(OWED_KEY);
    try {
      await writeMirror(openDb(this.env.DB), this.env.DB, state);
    } catch (err) {
      await this.storage.delete([RUN_KEY, INPUTS_KEY]);
      if (owed) await this.storage.put(OWED_KEY, owed);
      throw err;
    }
    state.outbox = emptyOutbox();
    this.resumed = true;
    const final = await this.perform({ state, effects: started.transition.effects }, ctx);
    return { ok: true, run: summary(final) };
  }

  async cancel(runId: string, actor: string): Promise<RunResult> {
    const t = await this.dispatch(runId, { type: "cancel", actor });
    if (!t) return fail("not_found", `run ${runId} is not active`);
    if (t.refused) return { ok: false, error: t.refused };
    return { ok: true, run: summary(t.state) };
  }

  async stepStarted(runId: string, stepId: string, relay: string): Promise<StepAck> {
    return (await this.dispatch(runId, { type: "step.started", stepId, relay }))?.ack ?? (await this.notActive(runId));
  }

  async stepFinished(runId: string, stepId: string, result: Extract<RunInput, { type: "step.finished" }>["result"], relay: string): Promise<StepAck> {
    return (await this.dispatch(runId, { type: "step.finished", stepId, relay, result }))?.ack ?? (await this.notActive(runId));
  }

  async relayAvailable(): Promise<void> {
    await this.dispatch(null, { type: "relay.available" });
  }

  async alarm(): Promise<void> {
    await this.dispatch(null, { type: "alarm" });
  }

  /** One input for the stored run (only if it is `runId`, when given): transition, store, perform, mirror. */
  private async dispatch(runId: string | null, input: RunInput): Promise<Transition | null> {
    const loaded = await this.load();
    if (!loaded || (runId !== null && loaded.state.id !== runId)) return null;
    const ctx = this.context(loaded.inputs);
    let state = loaded.state;
    if (!this.resumed) {
      this.resumed = true;
      if (!isFinished(state)) state = await this.perform(transition(state, { type: "resume" }, ctx), ctx);
    }
    const t = transition(state, input, { ...ctx, now: Date.now() });
    if (t.refused) return t;
    return { ...t, state: await this.perform(t, ctx) };
  }

  /** Stores the state, performs its effects, feeds the answers back until none is left, then settles. */
  private async perform(t: Pick<Transition, "state" | "effects">, ctx: RunContext): Promise<RunState> {
    let { state, effects } = t;
    for (let round = 0; ; round++) {
      // Stored before any frame leaves: a result can never arrive for a step this object does not know it sent.
      await this.storage.put(RUN_KEY, state);
      const answers: RunInput[] = [];
      for (const effect of effects) answers.push(...(await this.effect(state, effect, round)));
      if (answers.length === 0) break;
      effects = [];
      for (const answer of answers) {
        const next = transition(state, answer, { ...ctx, now: Date.now() });
        state = next.state;
        effects.push(...next.effects);
      }
    }
    return this.settle(state);
  }

  private async effect(state: RunState, effect: RunEffect, round: number): Promise<RunInput[]> {
    switch (effect.type) {
      case "find_relay":
        return [{ type: "relay.found", relay: round < MAX_ROUNDS ? await findRelay(this.env, effect.site, effect.preferred) : null }];
      case "send": {
        const sent = await sendSteps(this.env, effect.relay, state.cluster, state.id, effect.steps);
        const answers: RunInput[] = sent.rejected.map((r) => ({
          type: "step.finished",
          stepId: r.stepId,
          relay: effect.relay.name,
          result: { ok: false, exitCode: null, stdout: "", stderr: "", durationMs: 0, error: { code: "invalid_step", message: `the relay connection refused the step: ${r.message}` } },
        }));
        if (sent.unsent.length > 0) answers.push({ type: "relay.unsent", stepIds: sent.unsent });
        return answers;
      }
      case "cancel_steps":
        for (const { relay, stepId } of effect.steps) await cancelStep(this.env, relay, state.id, stepId);
        return [];
    }
  }

  /**
   * Writes the outbox to D1, then either releases a finished run (the lock)
   * or schedules the next wake-up. A failed D1 write keeps the outbox and
   * retries soon: the mirror may lag, but it converges on the state.
   */
  private async settle(state: RunState): Promise<RunState> {
    let mirrored = true;
    if (hasMirrorWork(state)) {
      try {
        const written = state.outbox;
        await writeMirror(openDb(this.env.DB), this.env.DB, state);
        state = { ...state, outbox: emptyOutbox() };
        await handRunEvents(this.env, state, written.events, written.reports, Date.now());
      } catch (err) {
        mirrored = false;
        console.error(`run ${state.id}: D1 mirror write failed, retrying from the stored outbox:`, err);
      }
    }
    if (isFinished(state) && mirrored) {
      if (state.owedCleanup) await this.storage.put(OWED_KEY, state.owedCleanup);
      await this.storage.delete([RUN_KEY, INPUTS_KEY]);
      await this.storage.put(LAST_RUN_KEY, state.id);
      await this.storage.deleteAlarm();
      return state;
    }
    await this.storage.put(RUN_KEY, state);
    const now = Date.now();
    await this.storage.setAlarm(mirrored ? nextWake(state, this.timing(), now) : now + MIRROR_RETRY_MS);
    return state;
  }

  private async load(): Promise<{ state: RunState; inputs: RunInputs } | null> {
    const stored = await this.storage.get<RunState | RunInputs>([RUN_KEY, INPUTS_KEY]);
    const state = stored.get(RUN_KEY) as RunState | undefined;
    const inputs = stored.get(INPUTS_KEY) as RunInputs | undefined;
    return state && inputs ? { state, inputs } : null;
  }

  /** A late or repeated frame for the run that just ended is a duplicate, not an error: the relay may re-send from its journal. */
  private async notActive(runId: string): Promise<StepAck> {
    if ((await this.storage.get<string>(LAST_RUN_KEY)) === runId) return { accepted: true, duplicate: true };
    return { accepted: false, reason: `run ${runId} is not active on this cluster` };
  }

  private context(inputs: RunInputs): RunContext {
    return { now: Date.now(), timing: this.timing(), inputs };
  }

  private timing(): RunTiming {
    const relayWaitMs = EnvVars.shape.RELAY_WAIT_SECONDS.parse(this.env.RELAY_WAIT_SECONDS) * 1000;
    return { relayWaitMs, relayPollMs: Math.min(1000, relayWaitMs / 4), watchdogMs: Math.min(10_000, relayWaitMs / 2) };
  }
}
