import type { HostFacts, StepResult } from "../../schema/steps";
import type { ShellText } from "../quote";
import type { ExecResult } from "../ssh-connection";
import type { SshPool } from "../ssh-pool";

/** What a step renderer gets: the pool, and `run` for commands on the step's host. */
export interface StepContext {
  pool: SshPool;
  signal: AbortSignal;
  /** Runs a command on the step's host; `asRoot` wraps it in sudo when the login is not root. */
  run(command: ShellText, opts?: { asRoot?: boolean }): Promise<ExecResult>;
}

/** A step's outcome before the executor adds timing. */
export type StepOutcome = Omit<StepResult, "durationMs">;

export function succeeded(res: ExecResult, facts?: HostFacts): StepOutcome {
  return { ok: true, exitCode: res.exitCode, stdout: res.stdout, stderr: res.stderr, ...(facts ? { facts } : {}) };
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
    command: command.text,
    error: { code: "command_failed", message: `\`${command.text}\` ${how}${detail ? `: ${detail}` : ""}`.slice(0, 4096) },
  };
}

export function isFailure(res: ExecResult): boolean {
  return res.exitCode !== 0;
}
