import { z } from "zod";
import type { K0sWaitReadyStep } from "../../schema/steps-k0s";
import { sh } from "../quote";
import type { ExecResult } from "../ssh-connection";
import { kubectl } from "./k0s-command";
import { pause, pollDelayMs, type StepContext, type StepOutcome } from "./step-context";


const NodeConditions = z.object({
  status: z.object({ conditions: z.array(z.object({ type: z.string(), status: z.string() })).optional() }).optional(),
});

/** Whether `kubectl get node -o json` output says the node is Ready. */
export function nodeIsReady(json: string): boolean {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return false;
  }
  const node = NodeConditions.safeParse(value);
  return node.success && (node.data.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

/**
 * Polls (quickly at first, then once a second, see pollDelayMs): `/readyz` on the controller itself, or the
 * node's Ready condition on the leader. Gives up a little before the
 * executor's deadline so the timeout carries the last answer the host gave.
 */
export async function k0sWaitReady(step: K0sWaitReadyStep, ctx: StepContext): Promise<StepOutcome> {
  const what = step.for;
  const command =
    what.what === "readyz" ? sh`${kubectl(step)} get --raw=/readyz` : sh`${kubectl(step)} get node ${what.nodeName} -o json`;
  const ready = (res: ExecResult) => res.exitCode === 0 && (what.what === "readyz" ? res.stdout.trim() === "ok" : nodeIsReady(res.stdout));
  const margin = Math.min(1000, Math.max(50, step.timeoutMs / 10));
  let last: ExecResult | undefined;
  // The slowest answer so far: another try must have time to answer before
  // the executor's deadline cuts it off (a loaded host answers slowly).
  let slowest = 0;
  for (let attempt = 1; ; attempt++) {
    const asked = Date.now();
    last = await ctx.run(command, { asRoot: true });
    slowest = Math.max(slowest, Date.now() - asked);
    if (ready(last)) {
      return { ok: true, exitCode: 0, stdout: what.what === "readyz" ? last.stdout : "", stderr: last.stderr };
    }
    const delay = pollDelayMs(attempt);
    if (Date.now() + delay + Math.max(margin, 2 * slowest) >= ctx.deadline || ctx.signal.aborted) break;
    await pause(delay, ctx.signal);
  }
  const subject = what.what === "readyz" ? "the controller's /readyz" : `node ${what.nodeName}`;
  const why = (last.stderr.trim().split("\n").pop() ?? "") || last.stdout.trim().split("\n").pop() || "";
  return {
    ok: false,
    exitCode: last.exitCode,
    stdout: what.what === "readyz" ? last.stdout : "",
    stderr: last.stderr,
    command: command.text,
    error: { code: "timeout", message: `${subject} was not ready within ${step.timeoutMs} ms${why ? `; last answer: ${why}` : ""}`.slice(0, 4096) },
  };
}
