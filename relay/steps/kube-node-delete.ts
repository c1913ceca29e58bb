import type { KubeNodeDeleteStep } from "../../schema/steps-k0s";
import { sh } from "../quote";
import { kubectl } from "./k0s-command";
import { commandFailed, type StepContext, type StepOutcome } from "./step-context";

/** `kubectl delete node`; a node that is already gone is the goal reached (`changed: false`). */
export async function kubeNodeDelete(step: KubeNodeDeleteStep, ctx: StepContext): Promise<StepOutcome> {
  const command = sh`${kubectl(step)} delete node ${step.nodeName}`;
  const res = await ctx.run(command, { asRoot: true });
  if (res.exitCode === 0) return { ok: true, exitCode: 0, stdout: res.stdout, stderr: res.stderr, changed: true };
  if (/\(NotFound\)/.test(res.stderr)) return { ok: true, exitCode: res.exitCode, stdout: res.stdout, stderr: res.stderr, changed: false };
  return commandFailed(command, res);
}
