import { posix } from "node:path";
import { asRoot, sh, type ShellText } from "../quote";
import { commandFailed, failed, isFailure, type RunOptions, type StepContext } from "./step-context";
import { StepFailure } from "./step-failure";

/**
 * Files on the host: what is there (size, mode, owner, identity, sha256 when
 * asked), folders, ownership, and cleanup. Writes are in remote-write.ts.
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

// One line, '|'-separated (no login or group name holds one): size, mode,
// owner, group, then device, inode and the two timestamps that make the file's
// identity (see upload-cache.ts).
const STAT_FORMAT = "%s|%a|%U|%G|%d|%i|%y|%z";

export interface RemoteFileInfo {
  size: number;
  /** Four octal digits, like 0644. */
  mode: string;
  owner: string;
  group: string;
  /** `dev|ino|size|mtime|ctime`: changes whenever anything writes, chmods, chowns or replaces the file. */
  identity: string;
  /** Only when the caller asked for it and the size matched. */
  sha256?: string;
}

/** `stat` of a host file (symlinks followed) in the form parseStat reads. */
export function statCommand(path: string): ShellText {
  return sh`stat -L -c ${STAT_FORMAT} -- ${path}`;
}

export function parseStat(line: string, path: string): Omit<RemoteFileInfo, "sha256"> {
  const [size, mode, owner, group, dev, ino, mtime, ctime] = line.trim().split("|");
  if (!size || !/^\d+$/.test(size) || !mode || !owner || !group || !dev || !ino || !mtime || !ctime) {
    throw new StepFailure(failed("internal", `cannot read the size and mode of ${path} on the host (stat said ${JSON.stringify(line)})`));
  }
  return { size: Number(size), mode: mode.padStart(4, "0"), owner, group, identity: [dev, ino, size, mtime, ctime].join("|") };
}

/**
 * What is at `path` on the host, or undefined when there is no regular file.
 * With `hashIfSize`, the host also hashes the file, but only when its size is
 * that one (a file of another size differs anyway).
 */
export async function remoteFileInfo(ctx: StepContext, path: string, opts: { hashIfSize?: number } = {}): Promise<RemoteFileInfo | undefined> {
  const hash = opts.hashIfSize === undefined ? sh`true` : sh`{ [ "$(stat -L -c %s -- ${path})" != ${opts.hashIfSize} ] || sha256sum < ${path}; }`;
  const out = await mustRun(ctx, sh`if [ -f ${path} ]; then ${statCommand(path)} && ${hash}; fi`);
  const [statLine, sumLine] = out.split("\n");
  if (!statLine) return undefined;
  const info: RemoteFileInfo = parseStat(statLine, path);
  const sha256 = /^([0-9a-f]{64})\s/.exec(sumLine ?? "")?.[1];
  if (sha256) info.sha256 = sha256;
  return info;
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

export interface Ownership {
  /** Four octal digits. */
  mode: string;
  user?: string;
  group?: string;
}

export function ownershipCommands(path: string, own: Ownership): ShellText[] {
  const commands = [sh`chmod ${own.mode} -- ${path}`];
  if (own.user || own.group) commands.push(sh`chown ${`${own.user ?? ""}${own.group ? `:${own.group}` : ""}`} -- ${path}`);
  return commands;
}

/** chmod / chown a file in place (a skipped upload whose mode or owner drifted); returns its stat after. */
export async function applyOwnership(ctx: StepContext, path: string, own: Ownership): Promise<Omit<RemoteFileInfo, "sha256">> {
  return parseStat(await mustRun(ctx, allOf([...ownershipCommands(path, own), statCommand(path)])), path);
}

/**
 * Runs a cleanup command, ignoring failures: cleanup after something else
 * already failed. A cancelled or timed-out step still cleans up, so it runs on
 * the pool with a short deadline of its own rather than the step's (aborted) signal.
 */
export async function cleanUpQuietly(ctx: StepContext, command: ShellText, opts: RunOptions = AS_ROOT): Promise<void> {
  try {
    if (!ctx.signal.aborted) await ctx.run(command, opts);
    else await ctx.pool.exec(ctx.host, opts.asRoot ? asRoot(ctx.host.user, command) : command, AbortSignal.timeout(10_000));
  } catch {
    // the connection is gone: a stray .keel-tmp-* is all that can remain
  }
}

/** Removes files, ignoring failures (see cleanUpQuietly). */
export async function removeQuietly(ctx: StepContext, paths: readonly string[], opts: RunOptions = AS_ROOT): Promise<void> {
  if (paths.length > 0) await cleanUpQuietly(ctx, sh`rm -f -- ${paths}`, opts);
}

export const dirOf = (path: string): string => posix.dirname(path);
