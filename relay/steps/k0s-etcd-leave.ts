import type { K0sEtcdLeaveStep } from "../../schema/steps-k0s";
import { sh } from "../quote";
import { commandFailed, isFailure, type StepContext, type StepOutcome } from "./step-context";

/**
 * `k0s etcd leave --peer-address --data-dir` (k0sctl passes a non-existent
 * `--datadir` here and only logs the failure; keel fails the step instead).
 */
export async function k0sEtcdLeave(step: K0sEtcdLeaveStep, ctx: StepContext): Promise<StepOutcome> {
  const command = sh`${step.installPath} etcd leave --peer-address=${step.peerAddress} --data-dir=${step.dataDir}`;
  const res = await ctx.run(command, { asRoot: true });
  if (isFailure(res)) return commandFailed(command, res);
  return { ok: true, exitCode: 0, stdout: res.stdout, stderr: res.stderr, changed: true };
}
