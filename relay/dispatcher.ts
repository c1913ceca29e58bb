import { RelayMessage, type StepRun } from "../schema/protocol";
import { STEP_KINDS } from "../schema/step-kinds";
import { RELAY_STOPPING, type Executor } from "./executor";
import type { BadStepRun } from "./frames";
import { errorMessage, type Log } from "./log";
import { poolKey } from "./ssh-pool";

/**
 * Turns `step.run` / `step.cancel` frames into executions: steps for one host
 * run in arrival order, different hosts in parallel; every run is answered
 * with `step.started` then `step.finished`.
 */

interface Pending {
  runId: string;
  stepId: string;
  /** A cancel interrupts the step once started only when its kind allows it (STEP_KINDS). */
  abortable: boolean;
  started: boolean;
  controller: AbortController;
}

export class Dispatcher {
  private readonly hostQueues = new Map<string, Promise<void>>();
  private readonly pending = new Set<Pending>();
  private readonly all = new Set<Promise<void>>();

  constructor(
    private readonly executor: Executor,
    private readonly send: (message: RelayMessage) => void,
    private readonly log: Log,
  ) {}

  run(frame: StepRun): void {
    const { step } = frame;
    const entry: Pending = { runId: frame.runId, stepId: step.id, abortable: STEP_KINDS[step.kind].abortable, started: false, controller: new AbortController() };
    this.pending.add(entry);
    const queueKey = poolKey(step.host);
    const previous = this.hostQueues.get(queueKey) ?? Promise.resolve();
    const task = previous.then(() => this.execute(frame, entry));
    this.hostQueues.set(queueKey, task);
    void task.then(() => {
      if (this.hostQueues.get(queueKey) === task) this.hostQueues.delete(queueKey);
    });
    this.track(task);
  }

  /** Answers a step that did not validate; it has no host queue to wait in. */
  refuse(frame: BadStepRun): void {
    const { cluster, runId, stepId } = frame;
    this.emit({ type: "step.started", cluster, runId, stepId });
    const result = { ok: false, exitCode: null, stdout: "", stderr: "", durationMs: 0, error: { code: "invalid_step" as const, message: frame.problem.slice(0, 4096) } };
    this.emit({ type: "step.finished", cluster, runId, stepId, result });
  }

  private track(task: Promise<void>): void {
    this.all.add(task);
    void task.then(() => this.all.delete(task));
  }

  private async execute(frame: StepRun, entry: Pending): Promise<void> {
    const { cluster, runId, step } = frame;
    const stepId = step.id;
    try {
      entry.started = true;
      this.emit({ type: "step.started", cluster, runId, stepId });
      const { result } = await this.executor.execute(runId, step, entry.controller.signal);
      // Interrupted by our own shutdown: say nothing, the API re-sends the step after reconnect.
      if (entry.controller.signal.reason === RELAY_STOPPING) return;
      this.emit({ type: "step.finished", cluster, runId, stepId, result });
    } catch (err) {
      this.log("step", `${runId}/${stepId}: internal error: ${errorMessage(err)}`);
      this.emit({
        type: "step.finished",
        cluster,
        runId,
        stepId,
        result: { ok: false, exitCode: null, stdout: "", stderr: "", durationMs: 0, error: { code: "internal", message: errorMessage(err).slice(0, 4096) } },
      });
    } finally {
      this.pending.delete(entry);
    }
  }

  /**
   * Cancels one step, or every step of a run when stepId is absent. Queued
   * steps never start; a running one stops only when its kind is abortable
   * (an install or a restart half done is worse than one finished).
   */
  cancel(runId: string, stepId?: string): void {
    for (const entry of this.pending) {
      if (entry.runId !== runId || (stepId !== undefined && entry.stepId !== stepId)) continue;
      if (!entry.started || entry.abortable) entry.controller.abort();
      else this.log("step", `${runId}/${entry.stepId}: cancel asked, but this kind of step is left to finish`);
    }
  }

  /** Interrupts everything (the relay is stopping) and waits until each step has returned. */
  async drain(): Promise<void> {
    for (const entry of this.pending) entry.controller.abort(RELAY_STOPPING);
    await Promise.all([...this.all]);
  }

  private emit(message: RelayMessage): void {
    const checked = RelayMessage.safeParse(message);
    if (!checked.success) {
      this.log("ws", `refusing to send an invalid ${message.type} frame: ${checked.error.issues[0]?.message ?? "invalid"}`);
      return;
    }
    this.send(checked.data);
  }
}
