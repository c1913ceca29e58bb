import { z } from "zod";
import { K0sFactsReport, type K0sFactsStep } from "../../schema/steps-k0s";
import { sh } from "../quote";
import { mustRun, remoteSha256 } from "./remote-file";
import type { StepContext, StepOutcome } from "./step-context";

// The fields of `k0s status -o json` that keel reads; the rest (Pid, Args, …) is ignored.
const K0sStatus = z.object({
  Version: z.string().optional(),
  Role: z.string(),
  Workloads: z.boolean().optional(),
  SingleNode: z.boolean().optional(),
});

/** k0sctl.yaml's role name for what `k0s status` reports. */
export function roleOf(status: z.infer<typeof K0sStatus>): K0sFactsReport["role"] {
  if (status.SingleNode) return "single";
  if (status.Role.startsWith("controller")) return status.Workloads || status.Role === "controller+worker" ? "controller+worker" : "controller";
  if (status.Role === "worker") return "worker";
  return undefined;
}

/**
 * `k0s version`, `k0s status -o json` and the config's sha256. An absent
 * binary means not installed; any non-zero `status` exit means not running
 * (k0s answers a dial error, not a friendly message, when it is down).
 */
export async function k0sFacts(step: K0sFactsStep, ctx: StepContext): Promise<StepOutcome> {
  const report: K0sFactsReport = { running: false };
  let stderr = "";
  const present = await mustRun(ctx, sh`if [ -e ${step.installPath} ]; then echo yes; fi`);
  if (present.trim() === "yes") {
    report.installedVersion = (await mustRun(ctx, sh`${step.installPath} version`)).trim().slice(0, 100);
    const status = await ctx.run(sh`${step.installPath} status -o json`, { asRoot: true });
    if (status.exitCode === 0) {
      const parsed = K0sStatus.safeParse(safeJson(status.stdout));
      report.running = true;
      if (parsed.success) {
        const role = roleOf(parsed.data);
        if (role) report.role = role;
      } else {
        stderr = `k0s status -o json printed no status object: ${status.stdout.slice(0, 200)}`;
      }
    } else {
      stderr = status.stderr;
    }
  }
  const sha = await remoteSha256(ctx, step.configPath);
  if (sha) report.configSha256 = sha;
  const checked = K0sFactsReport.parse(report);
  return { ok: true, exitCode: 0, stdout: JSON.stringify(checked), stderr, k0s: checked };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
