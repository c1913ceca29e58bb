import type { K0sBinaryInstallStep } from "../../schema/steps-k0s";
import { sh } from "../quote";
import { dirOf, ensureDirs, mustRun } from "./remote-file";
import { normalizeVersion, type StepContext, type StepOutcome } from "./step-context";

/**
 * Renames the staged binary over `installPath` (an atomic rename, safe while
 * the old binary runs), chmod 0755, and checks `k0s version`. Nothing staged
 * (the stage step found the same binary already installed) is fine as long as
 * the installed one is the expected version.
 */
export async function k0sBinaryInstall(step: K0sBinaryInstallStep, ctx: StepContext): Promise<StepOutcome> {
  const { tmpPath, installPath } = step;
  await ensureDirs(ctx, [dirOf(installPath)]);
  const moved = await mustRun(ctx, sh`if [ -f ${tmpPath} ]; then mv -f -- ${tmpPath} ${installPath} && echo moved; fi`);
  await mustRun(ctx, sh`chmod 0755 -- ${installPath}`);
  const versionCmd = sh`${installPath} version`;
  const res = await ctx.run(versionCmd, { asRoot: true });
  const reported = res.stdout.trim();
  const changed = moved.trim() === "moved";
  if (res.exitCode !== 0 || normalizeVersion(reported) !== normalizeVersion(step.expectVersion)) {
    const what = res.exitCode !== 0 ? `\`${versionCmd.text}\` exited with ${res.exitCode ?? "a signal"}` : `${installPath} reports version ${reported || "(nothing)"}`;
    return {
      ok: false,
      exitCode: res.exitCode,
      stdout: res.stdout,
      stderr: res.stderr,
      command: versionCmd.text,
      changed,
      error: { code: "command_failed", message: `${what}, expected ${step.expectVersion}` },
    };
  }
  return { ok: true, exitCode: 0, stdout: res.stdout, stderr: res.stderr, changed };
}
