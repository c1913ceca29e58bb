import { stringify } from "yaml";
import type { K0sConfigWriteStep } from "../../schema/steps-k0s";
import { sh } from "../quote";
import { dirOf, ensureDirs, remoteSha256 } from "./remote-file";
import { commitStaged, discardStaged, uploadStaged, withSftp } from "./remote-write";
import { bytesSource } from "./sftp-write";
import { sha256Of } from "./relay-sources";
import { commandFailed, isFailure, type StepContext, type StepOutcome } from "./step-context";

/**
 * Renders the config to YAML, stages it beside `path`'s folder, has `validateWith
 * config validate` check it there, and only then renames it over `path`
 * (0600). A config k0s rejects leaves the old file as it was; an identical
 * one is dropped with `changed: false` (no controller restart needed).
 */
export async function k0sConfigWrite(step: K0sConfigWriteStep, ctx: StepContext): Promise<StepOutcome> {
  const yaml = stringify(step.config);
  const sha = sha256Of(yaml);
  await ensureDirs(ctx, [dirOf(step.path)]);
  const staged = await withSftp(ctx, (sftp) => uploadStaged(ctx, sftp, bytesSource(Buffer.from(yaml)), step.path, 0o600));
  const { tmp } = staged;

  const validate = sh`${step.validateWith} config validate --config ${tmp}`;
  const checked = await ctx.run(validate, { asRoot: true });
  if (isFailure(checked)) {
    await discardStaged(ctx, staged);
    return commandFailed(validate, checked);
  }
  if ((await remoteSha256(ctx, step.path)) === sha) {
    await discardStaged(ctx, staged);
    await commitNothing(ctx, step.path);
    return { ok: true, exitCode: 0, stdout: checked.stdout, stderr: checked.stderr, changed: false };
  }
  await commitStaged(ctx, staged, step.path, { mode: "0600" });
  return { ok: true, exitCode: 0, stdout: checked.stdout, stderr: checked.stderr, changed: true };
}

/** An unchanged config still gets its 0600: k0s.yaml may hold secrets (kine data source). */
async function commitNothing(ctx: StepContext, path: string): Promise<void> {
  await ctx.run(sh`chmod 0600 -- ${path}`, { asRoot: true });
}
