import { createReadStream } from "node:fs";
import type { K0sBinaryStageStep } from "../../schema/steps-k0s";
import { sh } from "../quote";
import { dirOf, ensureDirs, mustRun, putFile, remoteSha256, withSftp } from "./remote-file";
import { download, expandRelaySource, sha256OfFile, type Download } from "./relay-sources";
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
    let local: { path: string; sha256: string };
    if (source.from === "relay") {
      // Checked before anything touches the host: a path outside the roots is policy_denied.
      const { files, kind } = await expandRelaySource(ctx.policy, source.relayPath);
      const [file] = files;
      if (kind !== "file" || !file) return failed("invalid_step", `relay path ${source.relayPath} must be one file`);
      local = { path: file.path, sha256: await sha256OfFile(file.path) };
    } else {
      fetched = await download(source.url, ctx.signal);
      local = fetched;
    }
    // The step names no installPath, so only an identical staged file can be skipped.
    if ((await remoteSha256(ctx, step.tmpPath)) === local.sha256) {
      return { ok: true, exitCode: 0, stdout: "", stderr: "", changed: false, transfer: { files: 1, skipped: 1, bytes: 0 } };
    }
    await ensureDirs(ctx, [dirOf(step.tmpPath)]);
    const path = local.path;
    const bytes = await withSftp(ctx, (sftp) => putFile(ctx, sftp, createReadStream(path), step.tmpPath, { mode: "0700" }));
    return { ok: true, exitCode: 0, stdout: "", stderr: "", changed: true, transfer: { files: 1, skipped: 0, bytes } };
  } finally {
    await fetched?.remove();
  }
}
