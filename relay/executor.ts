import { NOTHING_RAN, type StepErrorCode } from "../schema/errors";
import { STEP_KINDS } from "../schema/step-kinds";
import { StepResult, type Step } from "../schema/steps";
import type { Journal } from "./journal";
import { errorMessage, type Log } from "./log";
import type { BackupStore } from "./backups/backup-store";
import type { Policy } from "./policy";
import { RelaySecrets, resolveRelaySecrets, scrubSecrets, type ResolvedStep } from "./relay-secrets";
import { asRoot } from "./quote";
import { AbortedError, ChannelOpenError, HostKeyMismatchError, SshConnectError } from "./ssh-errors";
import { targetLabel, type SshPool } from "./ssh-pool";
import { runStep } from "./steps";
import { UploadCache } from "./upload-cache";
import type { StepOutcome } from "./steps/step-context";
import { StepFailure } from "./steps/step-failure";

/**
 * Carries out one step (validated when its frame was decoded): policy →
 * journal → render and run with a deadline → journal the result. Every path
 * ends in a StepResult; nothing here throws to the caller.
 */

export interface ExecutorDeps {
  pool: SshPool;
  policy: Policy;
  journal: Journal;
  log: Log;
  /** One per relay; an executor made without one keeps its own. */
  files?: UploadCache;
  backups?: BackupStore;
  /** relay.yaml `secrets:`; without it every `${relay:NAME}` fails its step. */
  secrets?: RelaySecrets;
}

export interface Execution {
  result: StepResult;
  /** True when the result came from the journal (the step had already run). */
  fromJournal: boolean;
}

/**
 * The abort reason when the relay itself shuts down: the step did not fail,
 * it was interrupted, so it is neither journaled nor answered, and the API
 * sends it again once the relay is back (steps are idempotent).
 */
export const RELAY_STOPPING = "relay stopping";

function failure(code: StepErrorCode, message: string): StepOutcome {
  return { ok: false, exitCode: null, stdout: "", stderr: "", error: { code, message: message.slice(0, 4096) } };
}

export class Executor {
  private readonly inFlight = new Map<string, Promise<Execution>>();
  private readonly files: UploadCache;

  constructor(private readonly deps: ExecutorDeps) {
    this.files = deps.files ?? new UploadCache();
  }

  /** Runs `step` for `runId`; a second delivery of a step is answered, not re-run. */
  async execute(runId: string, step: Step, signal?: AbortSignal): Promise<Execution> {
    const key = `${runId}\u0000${step.id}`;
    const running = this.inFlight.get(key);
    if (running) return { ...(await running), fromJournal: true };

    // The run's journal and secrets stay on disk while any of its steps runs.
    const release = this.deps.journal.hold(runId);
    const execution = this.executeOnce(runId, step, signal);
    this.inFlight.set(key, execution);
    try {
      return await execution;
    } finally {
      this.inFlight.delete(key);
      release();
    }
  }

  private async executeOnce(runId: string, step: Step, signal?: AbortSignal): Promise<Execution> {
    const { journal, log } = this.deps;
    const tag = `${runId}/${step.id} ${step.kind} ${targetLabel(step.host)}`;
    // Policy first: a host the relay may no longer reach gets no answer from
    // the journal either, only the refusal.
    const decision = this.deps.policy.checkTarget(step.host);
    if (!decision.allowed) {
      log("step", `${tag}: refused (policy_denied)`);
      return { result: { ...failure("policy_denied", decision.message), durationMs: 0 }, fromJournal: false };
    }
    // The spec's hooks are the one kind of step that runs the API's text as
    // shell: only the relay's operator can open that door.
    if (step.kind === "hook.run" && !this.deps.policy.allowHooks) {
      log("step", `${tag}: refused (policy_denied: hooks off)`);
      const message = `hook ${step.hook} refused: this relay's policy.allowHooks is false`;
      return { result: { ...failure("policy_denied", message), durationMs: 0 }, fromJournal: false };
    }
    const allowed = this.deps.policy.checkStep(step);
    if (!allowed.allowed) {
      log("step", `${tag}: refused (policy_denied)`);
      return { result: { ...failure("policy_denied", allowed.message), durationMs: 0 }, fromJournal: false };
    }
    try {
      const recorded = await journal.get(runId, step.id);
      if (recorded) {
        log("step", `${tag}: answered from journal`);
        return { result: recorded, fromJournal: true };
      }
    } catch (err) {
      log("journal", `${runId}: cannot read journal: ${errorMessage(err)}`);
    }

    const started = Date.now();
    const outcome = await this.runGuarded(runId, step, signal);
    const result = StepResult.parse({ ...outcome, durationMs: Date.now() - started });
    const code = result.error?.code;
    log("step", `${tag}: ${result.ok ? "ok" : `failed (${code}): ${result.error?.message ?? ""}`} (${result.durationMs} ms)`);

    const interrupted = signal?.aborted === true && signal.reason === RELAY_STOPPING;
    // Where nothing reached the host, a redelivery may run the step for real.
    if (!interrupted && (!code || !NOTHING_RAN.has(code))) {
      try {
        // A secret meant for the API once (the admin kubeconfig) is never
        // written to the journal: a redelivery gets "".
        await journal.record(runId, step.id, STEP_KINDS[step.kind].secretStdout ? { ...result, stdout: "" } : result);
      } catch (err) {
        log("journal", `${runId}/${step.id}: cannot record result: ${errorMessage(err)}`);
      }
    }
    return { result, fromJournal: false };
  }

  private async runGuarded(runId: string, step: Step, signal?: AbortSignal): Promise<StepOutcome> {
    if (signal?.aborted) return failure("cancelled", "step cancelled before it started");

    const controller = new AbortController();
    let stopped: StepOutcome | undefined;
    let wake: () => void = () => {};
    const stop = new Promise<StepOutcome>((resolve) => {
      wake = () => resolve(stopped ?? failure("internal", "stopped"));
    });
    const halt = (outcome: StepOutcome) => {
      stopped ??= outcome;
      controller.abort();
      wake();
    };
    const timer = setTimeout(() => halt(failure("timeout", `step timed out after ${step.timeoutMs} ms on ${targetLabel(step.host)}`)), step.timeoutMs);
    const onCancel = () => halt(failure("cancelled", "step cancelled"));
    signal?.addEventListener("abort", onCancel, { once: true });

    const { pool, policy, journal, log, backups } = this.deps;
    let resolved: ResolvedStep;
    try {
      resolved = await resolveRelaySecrets(step, this.deps.secrets ?? new RelaySecrets());
    } catch (err) {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onCancel);
      return this.mapError(err);
    }
    const work = runStep(resolved.step, {
      runId,
      host: step.host,
      pool,
      policy,
      journal,
      files: this.files,
      ...(backups ? { backups } : {}),
      log,
      signal: controller.signal,
      deadline: Date.now() + step.timeoutMs,
      run: (command, opts) => pool.exec(step.host, opts?.asRoot ? asRoot(step.host.user, command) : command, controller.signal, opts?.stdin),
      sftp: async () => (await pool.connect(step.host)).sftp(),
    })
      .catch((err: unknown) => this.mapError(err))
      .then((outcome) => scrubSecrets(outcome, resolved.values));

    try {
      // The deadline wins even if the host never answers: the abort closes the
      // channel, and the step's late result is dropped.
      return await Promise.race([work, stop]);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onCancel);
    }
  }

  private mapError(err: unknown): StepOutcome {
    if (err instanceof StepFailure) return err.outcome;
    if (err instanceof HostKeyMismatchError) return failure("host_key_mismatch", err.message);
    if (err instanceof SshConnectError || err instanceof ChannelOpenError) return failure("connect_failed", err.message);
    if (err instanceof AbortedError) return failure("cancelled", err.message);
    return failure("internal", errorMessage(err));
  }
}
