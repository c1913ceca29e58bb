import type { KubeUncordonStep } from "../../schema/steps-k0s";
import { sh } from "../quote";
import { kubectl } from "./k0s-command";
import { mustRun } from "./remote-file";
import { commandFailed, type StepContext, type StepOutcome } from "./step-context";

/** Removes the evict taint (when one was set; a taint already gone is fine), then `kubectl uncordon`. */
export async function kubeUncordon(step: KubeUncordonStep, ctx: StepContext): Promise<StepOutcome> {
  let stdout = "";
  const taint = step.evictTaint;
  if (taint) {
    const remove = sh`${kubectl(step)} taint node ${step.nodeName} ${`${taint.key}:${taint.effect}-`}`;
    const res = await ctx.run(remove, { asRoot: true });
    // kubectl says "taint … not found" when a previous attempt already removed it.
    if (res.exitCode !== 0 && !/not found/i.test(res.stderr)) return commandFailed(remove, res);
    stdout += res.stdout;
  }
  stdout += await mustRun(ctx, sh`${kubectl(step)} uncordon ${step.nodeName}`);
  return { ok: true, exitCode: 0, stdout, stderr: "", changed: true };
}
