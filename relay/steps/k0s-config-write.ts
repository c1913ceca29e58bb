import { Readable } from "node:stream";
import { stringify } from "yaml";
import type { K0sConfigWriteStep } from "../../schema/steps-k0s";
import { sh } from "../quote";
import { commitTemp, dirOf, ensureDirs, removeQuietly, remoteSha256, uploadToTemp, withSftp } from "./remote-file";
import { sha256Of } from "./relay-sources";
import { commandFailed, isFailure, type StepContext, type StepOutcome } from "./step-context";

/**
 * Renders the config to YAML, writes it next to `path`, has `validateWith
 * config validate` check it there, and only then renames it over `path`
 * (0600). A config k0s rejects leaves the old file as it was; an identical
 * one is dropped with `changed: false` (no controller restart needed).
 */
export async function k0sConfigWrite(step: K0sConfigWriteStep, ctx: StepContext): Promise<StepOutcome> {
  const yaml = stringify(step.config);
  const sha = sha256Of(yaml);
  await ensureDirs(ctx, [dirOf(step.path)]);
  const { tmp } = await withSftp(ctx, (sftp) => uploadToTemp(ctx, sftp, Readable.from([Buffer.from(yaml)]), step.path, 0o600));

  const validate = sh`${step.validateWith} config validate --config ${tmp}`;
  const checked = await ctx.run(validate, { asRoot: true });
  if (isFailure(checked)) {
    await removeQuietly(ctx, [tmp]);
    return commandFailed(validate, checked);
  }
  if ((await remoteSha256(ctx, step.path)) === sha) {
    await removeQuietly(ctx, [tmp]);
    await commitNothing(ctx, step.path);
    return { ok: true, exitCode: 0, stdout: checked.stdout, stderr: checked.stderr, changed: false };
  }
  await commitTemp(ctx, tmp, step.path, { mode: "0600" });
  return { ok: true, exitCode: 0, stdout: checked.stdout, stderr: checked.stderr, changed: true };
}

/** An unchanged config still gets its 0600: k0s.yaml may hold secrets (kine data source). */
async function commitNothing(ctx: StepContext, path: string): Promise<void> {
  await ctx.run(sh`chmod 0600 -- ${path}`, { asRoot: true });
}
