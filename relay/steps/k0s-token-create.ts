import type { K0sTokenCreateStep } from "../../schema/steps-k0s";
import { sh } from "../quote";
import { commandFailed, failed, isFailure, type StepContext, type StepOutcome } from "./step-context";

/**
 * `k0s token create` on the leader (no --config: token commands lack it).
 * The token goes into the relay's secrets file as `saveAs` and nowhere else:
 * the result's stdout is blanked, and nothing here logs it.
 */
export async function k0sTokenCreate(step: K0sTokenCreateStep, ctx: StepContext): Promise<StepOutcome> {
  const command = sh`${step.installPath} token create --data-dir=${step.dataDir} --role=${step.role} --expiry=${step.expiry}`;
  const res = await ctx.run(command, { asRoot: true });
  if (isFailure(res)) return { ...commandFailed(command, res), stdout: "" };
  const token = res.stdout.trim();
  if (!/^[A-Za-z0-9+/=]+$/.test(token)) return failed("command_failed", `\`${command.text}\` printed no join token`);
  await ctx.journal.putSecret(ctx.runId, step.saveAs, token);
  return { ok: true, exitCode: 0, stdout: "", stderr: res.stderr, changed: true };
}
