import type { K0sResetStep } from "../../schema/steps-k0s";
import { sh } from "../quote";
import { mustRun } from "./remote-file";
import type { StepContext, StepOutcome } from "./step-context";

/**
 * `k0s reset --data-dir` (k0s must already be stopped), then the config and,
 * when asked, the binary go, and systemd forgets the removed units. A host
 * whose binary is already gone has nothing left to reset.
 */
export async function k0sReset(step: K0sResetStep, ctx: StepContext): Promise<StepOutcome> {
  const present = (await mustRun(ctx, sh`if [ -e ${step.installPath} ]; then echo yes; fi`)).trim() === "yes";
  let stdout = "";
  if (present) stdout = await mustRun(ctx, sh`${step.installPath} reset --data-dir=${step.dataDir}`);
  const remove = step.removeBinary ? [step.configPath, step.installPath] : [step.configPath];
  await mustRun(ctx, sh`rm -f -- ${remove}`);
  await mustRun(ctx, sh`systemctl daemon-reload`);
  return { ok: true, exitCode: 0, stdout, stderr: "", changed: present };
}
