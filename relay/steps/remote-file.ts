import { randomBytes } from "node:crypto";
import { posix } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { SFTPWrapper } from "ssh2";
import { errorMessage } from "../log";
import { asRoot, sh, type ShellText } from "../quote";
import { commandFailed, failed, isFailure, type RunOptions, type StepContext } from "./step-context";
import { StepFailure } from "./step-failure";

/**
 * Files on the host: what is there (size, sha256, mode, owner), and writes
 * that never leave half a file at the final name. Bytes travel over SFTP,
 * never on a command line, so a token or a config never shows up in `ps` or a
 * shell history. Each write goes to `<final>.keel-tmp-<random>` next to the
 * final name (same filesystem, so the last `mv -f` is an atomic rename).
 */

const AS_ROOT: RunOptions = { asRoot: true };

/** Runs a command as root, ending the step with command_failed on a non-zero exit. */
export async function mustRun(ctx: StepContext, command: ShellText, opts: RunOptions = AS_ROOT): Promise<string> {
  const res = await ctx.run(command, opts);
  if (isFailure(res)) throw new StepFailure(commandFailed(command, res));
  return res.stdout;
}

/** Joins commands with `&&`. */
export function allOf(commands: readonly ShellText[]): ShellText {
  const [first, ...rest] = commands;
  if (!first) return sh`true`;
  return rest.reduce((acc, c) => sh`${acc} && ${c}`, first);
}

export interface RemoteFileInfo {
  size: number;
  sha256: string;
  /** Four octal digits, like 0644. */
  mode: string;
  owner: string;
  group: string;
}

/** What is at `path` on the host (following symlinks), or undefined when there is no regular file. */
export async function remoteFileInfo(ctx: StepContext, path: string): Promise<RemoteFileInfo | undefined> {
  const out = await mustRun(ctx, sh`if [ -f ${path} ]; then stat -L -c '%s %a %U %G' -- ${path} && sha256sum < ${path}; fi`);
  const [statLine, sumLine] = out.split("\n");
  if (!statLine) return undefined;
  const [size, mode, owner, group] = statLine.trim().split(" ");
  const sha256 = /^([0-9a-f]{64})\s/.exec(sumLine ?? "")?.[1];
  if (!size || !mode || !owner || !group || !sha256) {
    throw new StepFailure(failed("internal", `cannot read size and sha256 of ${path} on the host (stat said ${JSON.stringify(statLine)})`));
  }
  return { size: Number(size), sha256, mode: mode.padStart(4, "0"), owner, group };
}

/** The sha256 of a host file, undefined when it is absent. */
export async function remoteSha256(ctx: StepContext, path: string): Promise<string | undefined> {
  const out = await mustRun(ctx, sh`if [ -f ${path} ]; then sha256sum < ${path}; fi`);
  return /^([0-9a-f]{64})\s/.exec(out)?.[1];
}

/** `mkdir -p` each folder that does not exist yet and give it `mode`; existing folders keep theirs (never chmod /tmp). */
export async function ensureDirs(ctx: StepContext, dirs: readonly string[], mode = "0755"): Promise<void> {
  const unique = [...new Set(dirs)].filter((d) => d !== "/" && d !== ".");
  if (unique.length === 0) return;
  await mustRun(ctx, allOf(unique.map((d) => sh`{ [ -d ${d} ] || { mkdir -p -- ${d} && chmod ${mode} -- ${d}; }; }`)));
}

export function tempNameFor(finalPath: string): string {
  return `${finalPath}.keel-tmp-${randomBytes(6).toString("hex")}`;
}

export interface Ownership {
  /** Four octal digits. */
  mode: string;
  user?: string;
  group?: string;
}

function ownershipCommands(path: string, own: Ownership): ShellText[] {
  const commands = [sh`chmod ${own.mode} -- ${path}`];
  if (own.user || own.group) commands.push(sh`chown ${`${own.user ?? ""}${own.group ? `:${own.group}` : ""}`} -- ${path}`);
  return commands;
}

/** chmod / chown a file in place (a skipped upload whose mode or owner drifted). */
export async function applyOwnership(ctx: StepContext, path: string, own: Ownership): Promise<void> {
  await mustRun(ctx, allOf(ownershipCommands(path, own)));
}

/**
 * Streams `source` into a temp file next to `finalPath` and returns its path
 * and the bytes sent. A root login writes the temp file directly; any other
 * login writes into its own /tmp (0600) and root copies it next to the final
 * name. On failure nothing is left behind (best effort when the link died).
 */
export async function uploadToTemp(
  ctx: StepContext,
  sftp: SFTPWrapper,
  source: Readable,
  finalPath: string,
  mode: number,
): Promise<{ tmp: string; bytes: number }> {
  const tmp = tempNameFor(finalPath);
  const direct = ctx.host.user === "root";
  const landing = direct ? tmp : `/tmp/keel-upload-${randomBytes(6).toString("hex")}`;
  let bytes = 0;
  const sink = sftp.createWriteStream(landing, { mode: direct ? mode : 0o600 });
  // ssh2's write stream never settles when the connection dies under it (its
  // destroy waits on a close request that cannot be answered), and pipeline
  // waits for it: race the transfer against the session closing or the step
  // stopping instead.
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
  // Errors reach us through the pipeline; a late one must not crash the relay.
  source.on("error", () => {});
  const transfer = pipeline(
    source,
    async function* count(chunks: AsyncIterable<Buffer | string>) {
      for await (const chunk of chunks) {
        const buf = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
        bytes += buf.length;
        yield buf;
      }
    },
    sink,
    { signal: stop.signal },
  );
  try {
    await Promise.race([transfer, stopped]);
  } catch (err) {
    transfer.catch(() => {});
    stopped.catch(() => {});
    source.destroy();
    const reason: unknown = stop.signal.aborted ? stop.signal.reason : err;
    await removeQuietly(ctx, [landing], { asRoot: direct });
    throw new StepFailure({ ...failed("command_failed", `upload to ${finalPath} on the host failed: ${errorMessage(reason)}`), command: `sftp put ${landing}` });
  } finally {
    stopped.catch(() => {});
    sftp.removeListener("close", onClose);
    ctx.signal.removeEventListener("abort", onAbort);
  }
  if (!direct) {
    const copy = sh`cp -- ${landing} ${tmp}; rc=$?; rm -f -- ${landing}; exit $rc`;
    const res = await ctx.run(copy, AS_ROOT);
    if (isFailure(res)) {
      await removeQuietly(ctx, [landing], { asRoot: false });
      throw new StepFailure(commandFailed(copy, res));
    }
  }
  return { tmp, bytes };
}

/** chmod/chown the temp file and rename it over `finalPath`; the temp file is gone either way. */
export async function commitTemp(ctx: StepContext, tmp: string, finalPath: string, own: Ownership): Promise<void> {
  const steps = allOf([...ownershipCommands(tmp, own), sh`mv -f -- ${tmp} ${finalPath}`]);
  await mustRun(ctx, sh`{ ${steps}; }; rc=$?; rm -f -- ${tmp}; exit $rc`);
}

/**
 * Removes files, ignoring failures: cleanup after something else already
 * failed. A cancelled or timed-out step still cleans up, so it runs on the
 * pool with a short deadline of its own rather than the step's (aborted) signal.
 */
export async function removeQuietly(ctx: StepContext, paths: readonly string[], opts: RunOptions = AS_ROOT): Promise<void> {
  if (paths.length === 0) return;
  try {
    if (!ctx.signal.aborted) await ctx.run(sh`rm -f -- ${paths}`, opts);
    else {
      const command = opts.asRoot ? asRoot(ctx.host.user, sh`rm -f -- ${paths}`) : sh`rm -f -- ${paths}`;
      await ctx.pool.exec(ctx.host, command, AbortSignal.timeout(10_000));
    }
  } catch {
    // the connection is gone: a stray *.keel-tmp-* file is all that can remain
  }
}

/** The whole write: temp file, then chmod/chown, then rename. Returns the bytes sent. */
export async function putFile(ctx: StepContext, sftp: SFTPWrapper, source: Readable, finalPath: string, own: Ownership): Promise<number> {
  const { tmp, bytes } = await uploadToTemp(ctx, sftp, source, finalPath, Number.parseInt(own.mode, 8));
  await commitTemp(ctx, tmp, finalPath, own);
  return bytes;
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

export const dirOf = (path: string): string => posix.dirname(path);
