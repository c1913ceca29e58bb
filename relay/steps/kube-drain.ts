import type { KubeDrainStep } from "../../schema/steps-k0s";
import { sh, type ShellText } from "../quote";
import { kubectl } from "./k0s-command";
import { commandFailed, isFailure, type StepContext, type StepOutcome } from "./step-context";

/** `kubectl drain` with spec.options.drain; -1 grace period means the pods' own, so it is left out. */
export function drainCommand(step: KubeDrainStep): ShellText {
  const flags: ShellText[] = [];
  if (step.force) flags.push(sh`--force`);
  if (step.gracePeriodSeconds >= 0) flags.push(sh`--grace-period=${step.gracePeriodSeconds}`);
  flags.push(sh`--timeout=${`${step.timeoutSeconds}s`}`);
  if (step.deleteEmptyDirData) flags.push(sh`--delete-emptydir-data`);
  if (step.ignoreDaemonSets) flags.push(sh`--ignore-daemonsets`);
  if (step.podSelector) flags.push(sh`${`--pod-selector=${step.podSelector}`}`);
  if (step.skipWaitForDeleteTimeoutSeconds > 0) flags.push(sh`--skip-wait-for-delete-timeout=${step.skipWaitForDeleteTimeoutSeconds}`);
  return sh`${kubectl(step)} drain ${[...flags, step.nodeName]}`;
}

export async function kubeDrain(step: KubeDrainStep, ctx: StepContext): Promise<StepOutcome> {
  const command = drainCommand(step);
  const res = await ctx.run(command, { asRoot: true });
  if (isFailure(res)) return commandFailed(command, res);
  return { ok: true, exitCode: 0, stdout: res.stdout, stderr: res.stderr, changed: true };
}
