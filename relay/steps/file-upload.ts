import { createReadStream } from "node:fs";
import { posix } from "node:path";
import { Readable } from "node:stream";
import type { SFTPWrapper } from "ssh2";
import type { FileUploadStep } from "../../schema/steps-k0s";
import { applyOwnership, dirOf, ensureDirs, putFile, remoteFileInfo, withSftp, type Ownership } from "./remote-file";
import { download, expandRelaySource, sha256Of, sha256OfFile, type Download } from "./relay-sources";
import { failed, type StepContext, type StepOutcome } from "./step-context";

/**
 * One `files[]` entry: expand the source on the relay (inside the upload
 * roots), then per file compare size + sha256 with the host and send only
 * what differs, up to PARALLEL files at once over one SFTP session. Each
 * file lands through a temp file and a rename, so a broken transfer never
 * leaves half a file at its final name.
 */

const PARALLEL = 4;

interface Planned {
  dst: string;
  size: number;
  sha256: string;
  own: Ownership;
  open(): Readable;
}

const octal = (mode: number) => (mode & 0o7777).toString(8).padStart(4, "0");

async function plan(step: FileUploadStep, ctx: StepContext, fetched: Download[]): Promise<Planned[] | StepOutcome> {
  const { source } = step;
  const ownerOf = (mode: string): Ownership => ({ mode, ...(step.user ? { user: step.user } : {}), ...(step.group ? { group: step.group } : {}) });
  const target = (rel: string) => (step.dst ? step.dst : posix.join(step.dstDir ?? "/", rel));

  if (source.from === "data") {
    if (!step.dst && !step.name) return failed("invalid_step", "inline data with dstDir needs a name for the file");
    const bytes = Buffer.from(source.data, "utf8");
    return [{ dst: target(step.name ?? ""), size: bytes.length, sha256: sha256Of(bytes), own: ownerOf(step.perm ?? "0644"), open: () => Readable.from([bytes]) }];
  }
  if (source.from === "url") {
    const got = await download(source.url, ctx.signal);
    fetched.push(got);
    const name = posix.basename(new URL(source.url).pathname) || step.name || "download";
    return [{ dst: target(name), size: got.size, sha256: got.sha256, own: ownerOf(step.perm ?? "0644"), open: () => createReadStream(got.path) }];
  }
  const { files, kind } = await expandRelaySource(ctx.policy, source.path);
  if (files.length === 0) return failed("invalid_step", `relay path ${source.path} matches no files`);
  if (step.dst && files.length > 1) {
    return failed("invalid_step", `relay path ${source.path} (a ${kind}) matches ${files.length} files: use dstDir, not dst`);
  }
  const planned: Planned[] = [];
  for (const file of files) {
    planned.push({
      dst: target(file.rel),
      size: file.size,
      sha256: await sha256OfFile(file.path),
      own: ownerOf(step.perm ?? octal(file.mode)),
      open: () => createReadStream(file.path),
    });
  }
  return planned;
}

async function sendOne(ctx: StepContext, sftp: SFTPWrapper, file: Planned): Promise<number | "skipped"> {
  const there = await remoteFileInfo(ctx, file.dst);
  if (there && there.size === file.size && there.sha256 === file.sha256) {
    const ownerDrifted = (file.own.user !== undefined && file.own.user !== there.owner) || (file.own.group !== undefined && file.own.group !== there.group);
    if (there.mode !== file.own.mode || ownerDrifted) await applyOwnership(ctx, file.dst, file.own);
    return "skipped";
  }
  return putFile(ctx, sftp, file.open(), file.dst, file.own);
}

/** Runs `work` over `items` with at most `limit` at once; the first failure wins once the rest settle. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const lane = async () => {
    while (next < items.length && errors.length === 0) {
      const item = items[next++] as T;
      await work(item).catch((err: unknown) => errors.push(err));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (errors.length > 0) throw errors[0];
}

export async function fileUpload(step: FileUploadStep, ctx: StepContext): Promise<StepOutcome> {
  const fetched: Download[] = [];
  try {
    // Everything relay-side (roots, globs, downloads) is settled before the host is touched.
    const planned = await plan(step, ctx, fetched);
    if (!Array.isArray(planned)) return planned;
    const dirs = planned.map((f) => dirOf(f.dst));
    await ensureDirs(ctx, step.dstDir ? [step.dstDir, ...dirs] : dirs, step.dirPerm);
    let skipped = 0;
    let bytes = 0;
    await withSftp(ctx, (sftp) =>
      eachLimited(planned, PARALLEL, async (file) => {
        const sent = await sendOne(ctx, sftp, file);
        if (sent === "skipped") skipped++;
        else bytes += sent;
      }),
    );
    return {
      ok: true,
      exitCode: 0,
      stdout: "",
      stderr: "",
      changed: skipped < planned.length,
      transfer: { files: planned.length, skipped, bytes },
    };
  } finally {
    await Promise.all(fetched.map((f) => f.remove()));
  }
}
