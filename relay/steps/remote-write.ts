import { randomBytes } from "node:crypto";
import { posix } from "node:path";
import type { SFTPWrapper } from "ssh2";
import { errorMessage } from "../log";
import { sh } from "../quote";
import { allOf, cleanUpQuietly, mustRun, ownershipCommands, parseStat, removeQuietly, statCommand, type Ownership, type RemoteFileInfo } from "./remote-file";
import { writeRemoteFile, type UploadSource } from "./sftp-write";
import { commandFailed, failed, isFailure, type StepContext } from "./step-context";
import { StepFailure } from "./step-failure";

/**
 * Writes that never leave half a file at the final name. Bytes travel over
 * SFTP, never on a command line, so a token or a config never shows up in
 * `ps` or a shell history. Each file is staged in a folder of its own,
 * `.keel-tmp-<random>`, next to the destination *folder* rather than inside
 * it: k0s imports every file that appears in `<dataDir>/images/` (its bundle
 * watcher, k0s pkg/component/worker/ocibundle.go, reads the whole folder
 * with os.ReadDir, whatever the name, 10 s after the last
 * change, and again at each start), so a partial bundle must never be there.
 * The sibling folder is on the same mount unless the destination folder is
 * a mount point; then the finished file is copied next to its final name
 * first, so the last step is still an atomic rename.
 */

export interface StagedFile {
  /** The staged file, renamed over the final name by commitStaged. */
  tmp: string;
  staging: string;
  bytes: number;
}

function stagingFor(finalPath: string): { staging: string; tmp: string } {
  const staging = posix.join(posix.dirname(posix.dirname(finalPath)), `.keel-tmp-${randomBytes(6).toString("hex")}`);
  return { staging, tmp: posix.join(staging, posix.basename(finalPath)) };
}

function sftpMkdir(sftp: SFTPWrapper, path: string): Promise<void> {
  return new Promise((resolve, reject) => sftp.mkdir(path, { mode: 0o700 }, (err) => (err ? reject(err) : resolve())));
}

/** Removes a staged file and its folder, ignoring failures (cleanup after something else failed). */
export async function discardStaged(ctx: StepContext, staged: Pick<StagedFile, "tmp" | "staging">): Promise<void> {
  await cleanUpQuietly(ctx, sh`rm -f -- ${staged.tmp}; rmdir -- ${staged.staging} 2>/dev/null; true`);
}

/**
 * Sends `source` to a staged file for `finalPath`. A root login writes it
 * directly; any other login writes into its own /tmp (0600) and root copies
 * it into the staging folder. On failure nothing is left behind (best effort
 * when the link died).
 */
export async function uploadStaged(ctx: StepContext, sftp: SFTPWrapper, source: UploadSource, finalPath: string, mode: number): Promise<StagedFile> {
  const { staging, tmp } = stagingFor(finalPath);
  const direct = ctx.host.user === "root";
  const landing = direct ? tmp : `/tmp/keel-upload-${randomBytes(6).toString("hex")}`;
  // ssh2 never answers requests on a session that died under them: race the
  // transfer against the session closing or the step stopping instead.
  const stop = new AbortController();
  const onClose = () => stop.abort(new Error("the SFTP session closed mid-transfer"));
  const onAbort = () => stop.abort(new Error("the step was stopped"));
  sftp.once("close", onClose);
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  if (ctx.signal.aborted) onAbort();
  const stopped = new Promise<never>((_, reject) => {
    if (stop.signal.aborted) reject(stop.signal.reason);
    stop.signal.addEventListener("abort", () => reject(stop.signal.reason), { once: true });
  });
  stopped.catch(() => {});
  let bytes = 0;
  try {
    const transfer = (async () => {
      if (direct) await sftpMkdir(sftp, staging);
      return writeRemoteFile(sftp, landing, direct ? mode : 0o600, source, stop.signal);
    })();
    transfer.catch(() => {});
    bytes = await Promise.race([transfer, stopped]);
  } catch (err) {
    stop.abort(err);
    const reason: unknown = stop.signal.reason ?? err;
    if (direct) await discardStaged(ctx, { tmp, staging });
    else await removeQuietly(ctx, [landing], { asRoot: false });
    throw new StepFailure({ ...failed("command_failed", `upload to ${finalPath} on the host failed: ${errorMessage(reason)}`), command: `sftp put ${landing}` });
  } finally {
    sftp.removeListener("close", onClose);
    ctx.signal.removeEventListener("abort", onAbort);
    await source.close().catch(() => {});
  }
  if (!direct) {
    const copy = sh`mkdir -m 0700 -- ${staging} && cp -- ${landing} ${tmp}; rc=$?; rm -f -- ${landing}; exit $rc`;
    const res = await ctx.run(copy, { asRoot: true });
    if (isFailure(res)) {
      await removeQuietly(ctx, [landing], { asRoot: false });
      await discardStaged(ctx, { tmp, staging });
      throw new StepFailure(commandFailed(copy, res));
    }
  }
  return { tmp, staging, bytes };
}

/**
 * chmod/chown the staged file and rename it over `finalPath`; the staging
 * folder is gone either way. Returns the final file's stat, taken in the same
 * command, for the upload cache's record.
 */
export async function commitStaged(ctx: StepContext, staged: StagedFile, finalPath: string, own: Ownership): Promise<Omit<RemoteFileInfo, "sha256">> {
  const { tmp, staging } = staged;
  const beside = `${finalPath}.keel-tmp-${randomBytes(6).toString("hex")}`;
  // A hard link succeeds only within one mount: then the rename is atomic
  // too. Across mounts (the destination folder is a mount point) mv would
  // copy straight into the final name, so the copy goes beside it first.
  const move = sh`if ln -- ${tmp} ${beside} 2>/dev/null; then rm -f -- ${beside} && mv -f -- ${tmp} ${finalPath}; else cp -p -- ${tmp} ${beside} && mv -f -- ${beside} ${finalPath}; fi`;
  const steps = allOf([...ownershipCommands(tmp, own), move, statCommand(finalPath)]);
  const out = await mustRun(ctx, sh`{ ${steps}; }; rc=$?; rm -f -- ${tmp} ${beside}; rmdir -- ${staging} 2>/dev/null; exit $rc`);
  return parseStat(out, finalPath);
}

/** The whole write: staged file, then chmod/chown, then rename. */
export async function putFile(ctx: StepContext, sftp: SFTPWrapper, source: UploadSource, finalPath: string, own: Ownership): Promise<{ bytes: number; written: Omit<RemoteFileInfo, "sha256"> }> {
  const staged = await uploadStaged(ctx, sftp, source, finalPath, Number.parseInt(own.mode, 8));
  const written = await commitStaged(ctx, staged, finalPath, own);
  return { bytes: staged.bytes, written };
}

/** Opens an SFTP session for `work` and always ends it. */
export async function withSftp<T>(ctx: StepContext, work: (sftp: SFTPWrapper) => Promise<T>): Promise<T> {
  const sftp = await ctx.sftp();
  try {
    return await work(sftp);
  } finally {
    sftp.end();
  }
}

/** An SFTP session opened on first use only: a step with nothing to send opens none. */
export function lazySftp(ctx: StepContext): { get(): Promise<SFTPWrapper>; end(): Promise<void> } {
  let opened: Promise<SFTPWrapper> | undefined;
  return {
    get: () => (opened ??= ctx.sftp()),
    end: async () => {
      const sftp = await opened?.catch(() => undefined);
      sftp?.end();
    },
  };
}
