import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdtemp, readdir, realpath, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, posix, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import { errorMessage } from "../log";
import type { Policy } from "../policy";
import { guardedGet, UrlRefused } from "../url-fetch";
import { failed } from "./step-context";
import { StepFailure } from "./step-failure";

/**
 * Relay-side sources of uploads: a file, a directory (recursive) or a glob,
 * every file inside policy.uploadRoots after resolving symlinks; and URLs the
 * relay downloads itself (to a 0600 temp file, hashed on the way, so the
 * upload can be skipped when the host already has the bytes).
 */

export interface LocalFile {
  /** The resolved path the bytes are read from (symlinks followed). */
  path: string;
  /** Where it goes below the destination folder, with "/" separators. */
  rel: string;
  size: number;
  /** Permission bits of the source (kept when the step gives no perm). */
  mode: number;
}

const denied = (message: string) => new StepFailure(failed("policy_denied", message));
const unusable = (message: string) => new StepFailure(failed("invalid_step", message));

const hasWildcard = (segment: string) => /[*?]/.test(segment);

/** `*` and `?` within one path segment; like the shell, they do not match a leading dot. */
export function segmentMatcher(segment: string): RegExp {
  const body = segment.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]");
  return new RegExp(segment.startsWith(".") ? `^${body}$` : `^(?!\\.)${body}$`);
}

async function checkInside(policy: Policy, path: string): Promise<string> {
  if (!(await policy.isUnderUploadRoots(path))) {
    throw denied(`relay path ${path} is outside this relay's policy.uploadRoots (or does not exist)`);
  }
  return realpath(path);
}

async function fileEntry(policy: Policy, path: string, rel: string): Promise<LocalFile> {
  const real = await checkInside(policy, path);
  const st = await stat(real);
  return { path: real, rel, size: st.size, mode: st.mode & 0o7777 };
}

/** Every regular file below `dir` (symlinks followed, each checked against the roots; a loop is walked once). */
async function walk(policy: Policy, dir: string, prefix: string, seen: Set<string>, out: LocalFile[]): Promise<void> {
  const real = await checkInside(policy, dir);
  if (seen.has(real)) return;
  seen.add(real);
  const entries = (await readdir(dir)).sort();
  for (const name of entries) {
    const path = join(dir, name);
    const rel = prefix ? `${prefix}/${name}` : name;
    const st = await stat(path).catch(() => undefined);
    if (st?.isDirectory()) await walk(policy, path, rel, seen, out);
    else if (st?.isFile()) out.push(await fileEntry(policy, path, rel));
  }
}

/** Files matching the wildcard segments below `base`; `rel` keeps the matched part of the path. */
async function globFrom(policy: Policy, base: string, segments: readonly string[], prefix: string, out: LocalFile[]): Promise<void> {
  const [segment, ...rest] = segments;
  if (segment === undefined) return;
  await checkInside(policy, base);
  const names = hasWildcard(segment) ? (await readdir(base).catch(() => [] as string[])).filter((n) => segmentMatcher(segment).test(n)).sort() : [segment];
  for (const name of names) {
    const path = join(base, name);
    const rel = prefix ? `${prefix}/${name}` : name;
    const st = await stat(path).catch(() => undefined);
    if (rest.length > 0) {
      if (st?.isDirectory()) await globFrom(policy, path, rest, rel, out);
    } else if (st?.isFile()) {
      out.push(await fileEntry(policy, path, rel));
    }
  }
}

/** Expands a relay `path` (file, directory or glob) into files, all inside the upload roots. */
export async function expandRelaySource(policy: Policy, path: string): Promise<{ files: LocalFile[]; kind: "file" | "directory" | "glob" }> {
  if (!posix.isAbsolute(path)) throw unusable(`relay path ${path} must be absolute`);
  const segments = path.split("/").filter(Boolean);
  const firstWild = segments.findIndex(hasWildcard);
  if (firstWild < 0) {
    const real = await checkInside(policy, path);
    const st = await stat(real);
    if (st.isDirectory()) {
      const files: LocalFile[] = [];
      await walk(policy, path, "", new Set(), files);
      return { files, kind: "directory" };
    }
    if (!st.isFile()) throw unusable(`relay path ${path} is neither a file nor a directory`);
    return { files: [await fileEntry(policy, path, posix.basename(path))], kind: "file" };
  }
  const base = `/${segments.slice(0, firstWild).join("/")}`;
  const files: LocalFile[] = [];
  await globFrom(policy, base, segments.slice(firstWild), "", files);
  return { files, kind: "glob" };
}

export function sha256Of(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

export interface Download {
  path: string;
  size: number;
  sha256: string;
  remove(): Promise<void>;
}

/** Downloads `url` to a private temp file on the relay, streaming (never the whole body in memory). */
export async function download(url: string, signal: AbortSignal, policy: Policy): Promise<Download> {
  const dir = await mkdtemp(join(tmpdir(), `keel-fetch-`));
  const remove = () => rm(dir, { recursive: true, force: true });
  const path = `${dir}${sep}download`;
  try {
    const res = await guardedGet(url, { allowedUrls: policy.allowedUrls, signal, ...(policy.urlLookup ? { lookup: policy.urlLookup } : {}) });
    const hash = createHash("sha256");
    let size = 0;
    await pipeline(
      res,
      async function* tap(chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          hash.update(chunk);
          size += chunk.length;
          yield chunk;
        }
      },
      createWriteStream(path, { mode: 0o600 }),
      { signal },
    );
    return { path, size, sha256: hash.digest("hex"), remove };
  } catch (err) {
    await remove();
    if (err instanceof UrlRefused) throw denied(err.message);
    throw new StepFailure({ ...failed("command_failed", `the relay could not download ${url}: ${errorMessage(err)}`), command: `GET ${url}` });
  }
}
