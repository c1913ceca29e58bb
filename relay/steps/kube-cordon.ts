import type { KubeCordonStep } from "../../schema/steps-k0s";
import { sh } from "../quote";
import { kubectl } from "./k0s-command";
import { mustRun } from "./remote-file";
import type { StepContext, StepOutcome } from "./step-context";

/** `kubectl cordon`, then the evict taint (so pods that tolerate the cordon taint still leave). */
export async function kubeCordon(step: KubeCordonStep, ctx: StepContext): Promise<StepOutcome> {
  let stdout = await mustRun(ctx, sh`${kubectl(step)} cordon ${step.nodeName}`);
  const taint = step.evictTaint;
  if (taint) stdout += await mustRun(ctx, sh`${kubectl(step)} taint node ${step.nodeName} ${`${taint.key}=${taint.value}:${taint.effect}`} --overwrite`);
  return { ok: true, exitCode: 0, stdout, stderr: "", changed: true };
}
