import type { SFTPWrapper } from "ssh2";
import type { StepErrorCode } from "../../schema/errors";
import type { HostFacts, HostTarget, StepResult } from "../../schema/steps";
import type { BackupStore } from "../backups/backup-store";
import type { Journal } from "../journal";
import type { Log } from "../log";
import type { Policy } from "../policy";
import type { ShellText } from "../quote";
import type { ExecResult } from "../ssh-connection";
import type { SshPool } from "../ssh-pool";
import type { UploadCache } from "../upload-cache";

export interface RunOptions {
  /** Wrap in `sudo -n -- sh -c` when the login is not root. */
  asRoot?: boolean;
  /** Written to the command's stdin (manifests for `kubectl apply -f -`). */
  stdin?: string;
}

/** What a step renderer gets: the run it belongs to, the relay's parts, and `run` for commands on the step's host. */
export interface StepContext {
  runId: string;
  host: HostTarget;
  pool: SshPool;
  policy: Policy;
  /** Secrets (join tokens, kubeconfigs) are kept here, never in results. */
  journal: Journal;
  /** Source hashes and what keel last wrote on each host: what lets an unchanged upload skip hashing. */
  files: UploadCache;
  /** The relay's backup store (relay.yaml `backups`); undefined when it has none. */
  backups?: BackupStore;
  log: Log;
  signal: AbortSignal;
  /** When the executor gives up on the step (epoch ms): polling steps stop a little before, to report why. */
  deadline: number;
  run(command: ShellText, opts?: RunOptions): Promise<ExecResult>;
  /** An SFTP session on the step's host; the caller ends it. */
  sftp(): Promise<SFTPWrapper>;
}

/** A step's outcome before the executor adds timing. Which kinds' stdout is secret: schema/step-kinds.ts. */
export type StepOutcome = Omit<StepResult, "durationMs">;

export function succeeded(res: ExecResult, facts?: HostFacts): StepOutcome {
  return { ok: true, exitCode: res.exitCode, stdout: res.stdout, stderr: res.stderr, ...(facts ? { facts } : {}) };
}

/** A failure that is not a command's exit (policy, a missing secret, a bad reply); nothing of it is secret. */
export function failed(code: StepErrorCode, message: string, res?: ExecResult): StepOutcome {
  return {
    ok: false,
    exitCode: res?.exitCode ?? null,
    stdout: res?.stdout ?? "",
    stderr: res?.stderr ?? "",
    error: { code, message: message.slice(0, 4096) },
  };
}

/** The outcome of a command that exited non-zero (or by a signal). */
export function commandFailed(command: ShellText, res: ExecResult): StepOutcome {
  const how = res.exitCode === null ? `was killed by ${res.signal ?? "a signal"}` : `exited with ${res.exitCode}`;
  const detail = res.stderr.trim().split("\n").pop() ?? "";
  return {
    ok: false,
    exitCode: res.exitCode,
    stdout: res.stdout,
    stderr: res.stderr,
    command: command.text.slice(0, 4096),
    error: { code: "command_failed", message: `\`${command.text}\` ${how}${detail ? `: ${detail}` : ""}`.slice(0, 4096) },
  };
}

export function isFailure(res: ExecResult): boolean {
  return res.exitCode !== 0;
}

/** Runs a command as root; a non-zero exit becomes the step's failure outcome. */
export async function runOrFail(ctx: StepContext, command: ShellText, opts: RunOptions = { asRoot: true }): Promise<{ res: ExecResult; failure?: StepOutcome }> {
  const res = await ctx.run(command, opts);
  return isFailure(res) ? { res, failure: commandFailed(command, res) } : { res };
}

/** The k0s version as `k0s version` prints it, without the leading "v", for comparisons. */
export function normalizeVersion(version: string): string {
  return version.trim().replace(/^v/, "");
}

/**
 * How long a step that polls a host waits before its attempt `attempt + 1`:
 * 200 ms, 400 ms, 800 ms, then once a second. A service that came up at once
 * (most do, on a re-run or a small cluster) is seen within a fraction of a
 * second, and a slow one costs a host one cheap command a second.
 */
export function pollDelayMs(attempt: number): number {
  return Math.min(1000, 200 * 2 ** Math.max(0, attempt - 1));
}

/** Waits `ms`, or less when the step is aborted. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
