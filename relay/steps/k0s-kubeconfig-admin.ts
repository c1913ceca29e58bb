import { parseDocument } from "yaml";
import type { K0sKubeconfigAdminStep } from "../../schema/steps-k0s";
import { sh } from "../quote";
import { commandFailed, failed, isFailure, type StepContext, type StepOutcome } from "./step-context";

/** Points every cluster of a kubeconfig at `server`; undefined when the text is not a kubeconfig. */
export function rewriteServer(kubeconfig: string, server: string): string | undefined {
  const doc = parseDocument(kubeconfig);
  if (doc.errors.length > 0) return undefined;
  const clusters: unknown = doc.get("clusters");
  const count = clusters && typeof clusters === "object" && "items" in clusters && Array.isArray(clusters.items) ? clusters.items.length : 0;
  if (count === 0) return undefined;
  for (let i = 0; i < count; i++) doc.setIn(["clusters", i, "cluster", "server"], server);
  return doc.toString();
}

/**
 * `k0s kubeconfig admin`, server rewritten to the API address users reach
 * (k0s writes localhost), returned once in stdout for the API to stream to
 * the admin who asked. Its kind's `secretStdout` trait keeps it out of the
 * journal and the logs, and it is not kept as a relay secret either: nothing
 * reads it later, and a cluster-admin credential must not pile up on the jump
 * host's disk.
 */
export async function k0sKubeconfigAdmin(step: K0sKubeconfigAdminStep, ctx: StepContext): Promise<StepOutcome> {
  const command = sh`${step.installPath} kubeconfig admin --data-dir=${step.dataDir}`;
  const res = await ctx.run(command, { asRoot: true });
  if (isFailure(res)) return { ...commandFailed(command, res), stdout: "" };
  const kubeconfig = rewriteServer(res.stdout, step.server);
  if (!kubeconfig) return failed("command_failed", `\`${command.text}\` printed no kubeconfig`);
  return { ok: true, exitCode: 0, stdout: kubeconfig, stderr: res.stderr };
}
