import { JOIN_TOKEN_FILE, K0S_SERVICE_OF_ROLE, type K0sInstallStep } from "../../schema/steps-k0s";
import { sh, type ShellText } from "../quote";
import { dirOf, ensureDirs, mustRun } from "./remote-file";
import { putFile, withSftp } from "./remote-write";
import { bytesSource } from "./sftp-write";
import { commandFailed, failed, isFailure, type StepContext, type StepOutcome } from "./step-context";

/** systemd's Environment= quoting: one double-quoted K=V, with \ " and % escaped. */
export function environmentLine(name: string, value: string): string {
  const escaped = `${name}=${value}`.replace(/[\\"]/g, "\\$&").replace(/%/g, "%%");
  return `Environment="${escaped}"`;
}

/** The argv of `k0s install`, keel's own flags first, then the spec's installFlags as given. */
export function installCommand(step: K0sInstallStep): ShellText {
  const flags: ShellText[] = [sh`--data-dir=${step.dataDir}`];
  if (step.role === "controller") {
    // `k0s install worker` has no --config (nor the controller-only flags).
    if (step.configPath) flags.push(sh`--config=${step.configPath}`);
    if (step.enableWorker) flags.push(sh`--enable-worker=true`);
    if (step.noTaints) flags.push(sh`--no-taints=true`);
    if (step.single) flags.push(sh`--single=true`);
  }
  if (step.tokenSecret) flags.push(sh`--token-file=${JOIN_TOKEN_FILE}`);
  if (step.kubeletExtraArgs.length > 0) flags.push(sh`${`--kubelet-extra-args=${step.kubeletExtraArgs.join(" ")}`}`);
  if (step.force) flags.push(sh`--force=true`);
  return sh`${step.installPath} install ${step.role} ${[...flags, ...step.installFlags]}`;
}

/**
 * `k0s install controller|worker`. The join token goes to the host over SFTP
 * into JOIN_TOKEN_FILE (0600), never onto a command line; the spec's
 * environment becomes the unit's `env.conf` drop-in (it may hold proxy
 * credentials, so it travels over SFTP too).
 */
export async function k0sInstall(step: K0sInstallStep, ctx: StepContext): Promise<StepOutcome> {
  if (step.role === "worker" && (step.configPath || step.enableWorker || step.noTaints || step.single)) {
    return failed("invalid_step", "configPath, enableWorker, noTaints and single are controller-only: `k0s install worker` has no such flags");
  }
  let token: string | undefined;
  if (step.tokenSecret) {
    token = await ctx.journal.getSecret(ctx.runId, step.tokenSecret);
    if (!token) return failed("invalid_step", `join token secret ${step.tokenSecret} is not on this relay (never created in this run, or already invalidated)`);
  }

  const dropInDir = `/etc/systemd/system/${K0S_SERVICE_OF_ROLE[step.role]}.service.d`;
  const dropIn = `${dropInDir}/env.conf`;
  const env = Object.entries(step.environment);
  if (token !== undefined) {
    const bytes = Buffer.from(`${token.trim()}\n`);
    await ensureDirs(ctx, [dirOf(JOIN_TOKEN_FILE)]);
    await withSftp(ctx, (sftp) => putFile(ctx, sftp, bytesSource(bytes), JOIN_TOKEN_FILE, { mode: "0600" }));
  }

  // The planner installs only where gather found no k0s, so a unit that is
  // there now was made by this very step before the relay lost its result (it
  // was killed between the install and its journal write): k0s would refuse a
  // second install ("Init already exists"), and the step must not run twice.
  const unit = `/etc/systemd/system/${K0S_SERVICE_OF_ROLE[step.role]}.service`;
  const already = !step.force && (await mustRun(ctx, sh`if [ -e ${unit} ]; then echo yes; fi`)).trim() === "yes";
  let output = { stdout: "", stderr: "" };
  if (!already) {
    const install = installCommand(step);
    const ran = await ctx.run(install, { asRoot: true });
    if (isFailure(ran)) return commandFailed(install, ran);
    output = ran;
  }

  if (env.length > 0) {
    const text = `[Service]\n${env.map(([k, v]) => environmentLine(k, v)).join("\n")}\n`;
    await ensureDirs(ctx, [dropInDir]);
    await withSftp(ctx, (sftp) => putFile(ctx, sftp, bytesSource(Buffer.from(text)), dropIn, { mode: "0644" }));
    await mustRun(ctx, sh`systemctl daemon-reload`);
  } else {
    // An environment removed from the spec must not linger in the unit.
    await mustRun(ctx, sh`if [ -f ${dropIn} ]; then rm -f -- ${dropIn} && systemctl daemon-reload; fi`);
  }
  return { ok: true, exitCode: 0, stdout: output.stdout, stderr: output.stderr, changed: !already };
}
