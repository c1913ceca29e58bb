import type { K0sBinaryStageStep } from "../../schema/steps-k0s";
import { sh } from "../quote";
import { alreadyThere, rememberWritten } from "./remote-compare";
import { dirOf, ensureDirs, mustRun } from "./remote-file";
import { putFile, withSftp } from "./remote-write";
import { download, expandRelaySource, type Download } from "./relay-sources";
import { fileSource } from "./sftp-write";
import { failed, type StepContext, type StepOutcome } from "./step-context";

/**
 * Puts the k0s binary at `tmpPath`: the host downloads it with curl, or the
 * relay streams it over SFTP (from a relay path inside the upload roots, or
 * after downloading it itself). A relay-side binary whose sha256 is already at
 * `tmpPath` is not sent again (`transfer.bytes` 0).
 */
export async function k0sBinaryStage(step: K0sBinaryStageStep, ctx: StepContext): Promise<StepOutcome> {
  const { source } = step;
  if (source.from === "url" && source.fetch === "host") {
    await ensureDirs(ctx, [dirOf(step.tmpPath)]);
    // A failed download leaves no partial binary behind for install to pick up.
    const tmp = step.tmpPath;
    await mustRun(ctx, sh`curl -sSLf -o ${tmp} ${source.url} || { rc=$?; rm -f -- ${tmp}; exit $rc; }`);
    const size = Number((await mustRun(ctx, sh`stat -L -c %s -- ${tmp}`)).trim());
    return { ok: true, exitCode: 0, stdout: "", stderr: "", changed: true, transfer: { files: 1, skipped: 0, bytes: Number.isFinite(size) ? size : 0 } };
  }

  let fetched: Download | undefined;
  try {
    let local: { path: string; size: number; sha256: string };
    if (source.from === "relay") {
      // Checked before anything touches the host: a path outside the roots is policy_denied.
      const { files, kind } = await expandRelaySource(ctx.policy, source.relayPath);
      const [file] = files;
      if (kind !== "file" || !file) return failed("invalid_step", `relay path ${source.relayPath} must be one file`);
      local = { path: file.path, size: file.size, sha256: await ctx.files.sourceSha256(file.path) };
    } else {
      fetched = await download(source.url, ctx.signal, ctx.policy);
      local = fetched;
    }
    // The step names no installPath, so only an identical staged file can be skipped.
    const want = { path: step.tmpPath, size: local.size, sha256: local.sha256 };
    if (await alreadyThere(ctx, want)) {
      return { ok: true, exitCode: 0, stdout: "", stderr: "", changed: false, transfer: { files: 1, skipped: 1, bytes: 0 } };
    }
    await ensureDirs(ctx, [dirOf(step.tmpPath)]);
    const path = local.path;
    const sent = await withSftp(ctx, async (sftp) => putFile(ctx, sftp, await fileSource(path), step.tmpPath, { mode: "0700" }));
    if (source.from === "url" || (await ctx.files.sourceUnchanged(path, local.sha256))) rememberWritten(ctx, want, sent.written);
    return { ok: true, exitCode: 0, stdout: "", stderr: "", changed: true, transfer: { files: 1, skipped: 0, bytes: sent.bytes } };
  } finally {
    await fetched?.remove();
  }
}
