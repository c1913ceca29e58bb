import { MAX_OUTPUT_BYTES } from "../../schema/steps";
import type { HookRunStep } from "../../schema/steps-k0s";
import { sh } from "../quote";
import { commandFailed, isFailure, type StepContext, type StepOutcome } from "./step-context";

const tail = (text: string) => (text.length > MAX_OUTPUT_BYTES ? text.slice(-MAX_OUTPUT_BYTES) : text);

/**
 * The spec's hook lines, each through `sh -c` as the login user (like
 * k0sctl), stopping at the first failure. This is the one place where text
 * from the API runs as shell: hooks are shell by definition, so they cannot
 * be typed. The executor refuses this step (policy_denied, before any
 * connection) unless the relay's own policy.allowHooks is true, so the
 * relay's operator, not the API, decides whether that door is open.
 */
export async function hookRun(step: HookRunStep, ctx: StepContext): Promise<StepOutcome> {
  let stdout = "";
  let stderr = "";
  let exitCode: number | null = 0;
  for (const line of step.lines) {
    const command = sh`sh -c ${line}`;
    const res = await ctx.run(command);
    stdout = tail(stdout + res.stdout);
    stderr = tail(stderr + res.stderr);
    exitCode = res.exitCode;
    if (isFailure(res)) return { ...commandFailed(command, res), stdout, stderr };
  }
  return { ok: true, exitCode, stdout, stderr };
}
