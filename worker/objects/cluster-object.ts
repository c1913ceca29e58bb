import { DurableObject } from "cloudflare:workers";
import type { Env } from "../core/env";
import { adminKubeconfig, type AdminKubeconfigResult } from "../runs/admin-kubeconfig";
import { EphemeralSteps } from "../runs/ephemeral-steps";
import { RunMachine, type CancelRunResult, type RunSummary, type StartRunInput, type StartRunResult, type StepAck } from "../runs/run-machine";

/**
 * One per cluster (idFromName(cluster name)): the cluster's lock and the home
 * of its run state machine. All logic lives in RunMachine; this class only
 * makes sure the machine sees one event at a time. Request-like steps (the
 * admin kubeconfig) bypass the machine: they are no run and store nothing.
 */
export class ClusterObject extends DurableObject<Env> {
  private readonly machine = new RunMachine(this.ctx.storage, this.env);
  private readonly ephemeral = new EphemeralSteps();
  private queue: Promise<unknown> = Promise.resolve();

  /** Starts a run, or reports the active one as a conflict (one cluster, one writer). */
  startRun(input: StartRunInput): Promise<StartRunResult> {
    return this.serial(() => this.machine.start(input));
  }

  getActiveRun(): Promise<RunSummary | null> {
    return this.serial(() => this.machine.activeRun());
  }

  cancelRun(runId: string, actor: string): Promise<CancelRunResult> {
    return this.serial(() => this.machine.cancel(runId, actor));
  }

  /** Reads only: it may run beside an active run, and it must not wait behind the machine's queue. */
  adminKubeconfig(cluster: string): Promise<AdminKubeconfigResult> {
    return adminKubeconfig(this.env, this.ephemeral, cluster);
  }

  onStepStarted(runId: string, stepId: string, relayName: string): Promise<StepAck> {
    const ack = this.ephemeral.started(runId, stepId, relayName);
    if (ack) return Promise.resolve(ack);
    return this.serial(() => this.machine.stepStarted(runId, stepId, relayName));
  }

  onStepFinished(runId: string, stepId: string, result: unknown, relayName: string): Promise<StepAck> {
    const ack = this.ephemeral.finished(runId, stepId, result, relayName);
    if (ack) return Promise.resolve(ack);
    return this.serial(() => this.machine.stepFinished(runId, stepId, result, relayName));
  }

  /** A relay of this cluster's site connected: resume a waiting or interrupted run now. */
  relayAvailable(): Promise<void> {
    return this.serial(() => this.machine.relayAvailable());
  }

  override alarm(): Promise<void> {
    return this.serial(() => this.machine.alarm());
  }

  // The machine awaits D1 and relay RPCs mid-transition, and the runtime lets
  // other calls in during those awaits: chaining keeps transitions whole.
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
