import { stringify } from "yaml";
import type { KubeApplyStep } from "../../schema/steps-k0s";
import { sh } from "../quote";
import { kubectl } from "./k0s-command";
import { commandFailed, isFailure, type StepContext, type StepOutcome } from "./step-context";

/** The manifests as one multi-document YAML stream. */
export function manifestStream(manifests: readonly Record<string, unknown>[]): string {
  return manifests.map((m) => stringify(m)).join("---\n");
}

/** `kubectl apply -f -` on the leader, the manifests on stdin (never in a file or on the command line). */
export async function kubeApply(step: KubeApplyStep, ctx: StepContext): Promise<StepOutcome> {
  const command = sh`${kubectl(step)} apply -f -`;
  const res = await ctx.run(command, { asRoot: true, stdin: manifestStream(step.manifests) });
  if (isFailure(res)) return commandFailed(command, res);
  return { ok: true, exitCode: 0, stdout: res.stdout, stderr: res.stderr, changed: true };
}
