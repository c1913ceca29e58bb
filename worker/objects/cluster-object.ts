import { DurableObject } from "cloudflare:workers";
import type { StepResult } from "../../schema/steps";
import type { Env } from "../core/env";
import type { CreateKubeconfigBody } from "../../schema/user-kubeconfig";
import { adminKubeconfig, type AdminKubeconfigResult } from "../runs/admin-kubeconfig";
import { userKubeconfig, type UserKubeconfigResult } from "../runs/user-kubeconfig";
import { EphemeralSteps } from "../runs/ephemeral-steps";
import { RunDriver } from "../runs/run-driver";
import type { RunResult, RunSummary, StartRunInput, StepAck } from "../runs/run-rpc";

/**
 * One per cluster (idFromName(cluster name)): the cluster's lock and the home
 * of its run. The run engine is pure transitions (runs/run-transitions.ts)
 * driven by RunDriver; this class only makes sure the driver sees one input
 * at a time. Request-like steps (admin and user kubeconfigs) bypass the engine:
 * they are no run and store nothing.
 */
export class ClusterObject extends DurableObject<Env> {
  private readonly driver = new RunDriver(this.ctx.storage, this.env);
  private readonly ephemeral = new EphemeralSteps();
  private queue: Promise<unknown> = Promise.resolve();

  /** Starts a run, or reports the active one as a conflict (one cluster, one writer). */
  startRun(input: StartRunInput): Promise<RunResult> {
    return this.serial(() => this.driver.start(input));
  }

  getActiveRun(): Promise<RunSummary | null> {
    return this.serial(() => this.driver.activeRun());
  }

  cancelRun(runId: string, actor: string): Promise<RunResult> {
    return this.serial(() => this.driver.cancel(runId, actor));
  }

  /** Reads only: it may run beside an active run, and it must not wait behind the engine's queue. */
  adminKubeconfig(cluster: string): Promise<AdminKubeconfigResult> {
    return adminKubeconfig(this.env, this.ephemeral, cluster);
  }

  /** Like adminKubeconfig: a request beside any run, not queued behind it. */
  userKubeconfig(cluster: string, body: CreateKubeconfigBody): Promise<UserKubeconfigResult> {
    return userKubeconfig(this.env, this.ephemeral, cluster, body);
  }

  onStepStarted(runId: string, stepId: string, relayName: string): Promise<StepAck> {
    const ack = this.ephemeral.started(runId, stepId, relayName);
    if (ack) return Promise.resolve(ack);
    return this.serial(() => this.driver.stepStarted(runId, stepId, relayName));
  }

  /** `result` was parsed once, with the whole frame, by the relay's session. */
  onStepFinished(runId: string, stepId: string, result: StepResult, relayName: string): Promise<StepAck> {
    const ack = this.ephemeral.finished(runId, stepId, result, relayName);
    if (ack) return Promise.resolve(ack);
    return this.serial(() => this.driver.stepFinished(runId, stepId, result, relayName));
  }

  /** A relay of this cluster's site connected: resume a waiting or interrupted run now. */
  relayAvailable(): Promise<void> {
    return this.serial(() => this.driver.relayAvailable());
  }

  override alarm(): Promise<void> {
    return this.serial(() => this.driver.alarm());
  }

  // The driver awaits storage, D1 and relay RPCs between transitions, and the
  // runtime lets other calls in during those awaits: chaining keeps each input whole.
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
