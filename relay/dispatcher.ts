import { RelayMessage, type RelayMessage as RelayMessageT } from "../schema/protocol";
import { HostTarget } from "../schema/steps";
import { RELAY_STOPPING, type Executor } from "./executor";
import { errorMessage, type Log } from "./log";
import { targetKey } from "./ssh-pool";

/**
 * Turns `step.run` / `step.cancel` frames into executions: steps for one host
 * run in arrival order, different hosts in parallel; every run is answered
 * with `step.started` then `step.finished`.
 */

interface Pending {
  runId: string;
  stepId: string;
  controller: AbortController;
}

export interface StepRunFrame {
  cluster: string;
  runId: string;
  stepId: string;
  /** Unvalidated: the executor parses it, so a bad step is answered `invalid_step`. */
  step: unknown;
}

export class Dispatcher {
  private readonly hostQueues = new Map<string, Promise<void>>();
  private readonly pending = new Set<Pending>();
  private readonly all = new Set<Promise<void>>();

  constructor(
    private readonly executor: Executor,
    private readonly send: (message: RelayMessageT) => void,
    private readonly log: Log,
  ) {}

  run(frame: StepRunFrame): void {
    const entry: Pending = { runId: frame.runId, stepId: frame.stepId, controller: new AbortController() };
    this.pending.add(entry);
    const host = HostTarget.safeParse(frame.step !== null && typeof frame.step === "object" && "host" in frame.step ? frame.step.host : undefined);
    // A step without a valid host is answered at once (invalid_step); it has no queue to wait in.
    const queueKey = host.success ? targetKey(host.data) : undefined;
    const previous = (queueKey && this.hostQueues.get(queueKey)) || Promise.resolve();
    const task = previous.then(() => this.execute(frame, entry));
    if (queueKey) {
      this.hostQueues.set(queueKey, task);
      void task.then(() => {
        if (this.hostQueues.get(queueKey) === task) this.hostQueues.delete(queueKey);
      });
    }
    this.all.add(task);
    void task.then(() => this.all.delete(task));
  }

  private async execute(frame: StepRunFrame, entry: Pending): Promise<void> {
    const { cluster, runId, stepId } = frame;
    try {
      this.emit({ type: "step.started", cluster, runId, stepId });
      const { result } = await this.executor.execute(runId, frame.step, entry.controller.signal);
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

  /** Cancels one step, or every step of a run when stepId is absent (queued ones included). */
  cancel(runId: string, stepId?: string): void {
    for (const entry of this.pending) {
      if (entry.runId === runId && (stepId === undefined || entry.stepId === stepId)) entry.controller.abort();
    }
  }

  /** Interrupts everything (the relay is stopping) and waits until each step has returned. */
  async drain(): Promise<void> {
    for (const entry of this.pending) entry.controller.abort(RELAY_STOPPING);
    await Promise.all([...this.all]);
  }

  private emit(message: RelayMessageT): void {
    const checked = RelayMessage.safeParse(message);
    if (!checked.success) {
      this.log("ws", `refusing to send an invalid ${message.type} frame: ${checked.error.issues[0]?.message ?? "invalid"}`);
      return;
    }
    this.send(checked.data);
  }
}
