import { posix } from "node:path";
import type { FileUploadStep } from "../../schema/steps-k0s";
import { alreadyThere, keepOwnership, rememberWritten } from "./remote-compare";
import { dirOf, ensureDirs, type Ownership } from "./remote-file";
import { lazySftp, putFile } from "./remote-write";
import { download, expandRelaySource, sha256Of, type Download } from "./relay-sources";
import { bytesSource, fileSource, type UploadSource } from "./sftp-write";
import { failed, type StepContext, type StepOutcome } from "./step-context";

/**
 * One `files[]` entry: expand the source on the relay (inside the upload
 * roots), then per file decide whether the host already has it
 * (remote-compare.ts) and send only what differs, up to PARALLEL files at
 * once over one SFTP session, opened only if something is sent. Each file
 * lands through a staged file and a rename (remote-write.ts), so a broken
 * transfer never leaves half a file at its final name.
 */

const PARALLEL = 4;

interface Planned {
  dst: string;
  size: number;
  sha256: string;
  own: Ownership;
  open(): Promise<UploadSource>;
  /** False when the source changed while it was sent: then what reached the host has no known sha256. */
  unchanged(): Promise<boolean>;
}

const octal = (mode: number) => (mode & 0o7777).toString(8).padStart(4, "0");

async function plan(step: FileUploadStep, ctx: StepContext, fetched: Download[]): Promise<Planned[] | StepOutcome> {
  const { source } = step;
  const ownerOf = (mode: string): Ownership => ({ mode, ...(step.user ? { user: step.user } : {}), ...(step.group ? { group: step.group } : {}) });
  const target = (rel: string) => (step.dst ? step.dst : posix.join(step.dstDir ?? "/", rel));

  if (source.from === "data") {
    if (!step.dst && !step.name) return failed("invalid_step", "inline data with dstDir needs a name for the file");
    const bytes = Buffer.from(source.data, "utf8");
    return [{ dst: target(step.name ?? ""), size: bytes.length, sha256: sha256Of(bytes), own: ownerOf(step.perm ?? "0644"), open: async () => bytesSource(bytes), unchanged: async () => true }];
  }
  if (source.from === "url") {
    const got = await download(source.url, ctx.signal, ctx.policy);
    fetched.push(got);
    const name = posix.basename(new URL(source.url).pathname) || step.name || "download";
    return [{ dst: target(name), size: got.size, sha256: got.sha256, own: ownerOf(step.perm ?? "0644"), open: () => fileSource(got.path), unchanged: async () => true }];
  }
  const { files, kind } = await expandRelaySource(ctx.policy, source.path);
  if (files.length === 0) return failed("invalid_step", `relay path ${source.path} matches no files`);
  if (step.dst && files.length > 1) {
    return failed("invalid_step", `relay path ${source.path} (a ${kind}) matches ${files.length} files: use dstDir, not dst`);
  }
  // Hashed once per change of the source, not once per host and apply (upload-cache.ts).
  const hashes = await Promise.all(files.map((file) => ctx.files.sourceSha256(file.path)));
  return files.map((file, i) => ({
    dst: target(file.rel),
    size: file.size,
    sha256: hashes[i] ?? "",
    own: ownerOf(step.perm ?? octal(file.mode)),
    open: () => fileSource(file.path),
    unchanged: () => ctx.files.sourceUnchanged(file.path, hashes[i] ?? ""),
  }));
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
  const sftp = lazySftp(ctx);
  try {
    // Everything relay-side (roots, globs, downloads, hashes) is settled before the host is touched.
    const planned = await plan(step, ctx, fetched);
    if (!Array.isArray(planned)) return planned;
    // A folder or glob may expand into places the step's own dstDir did not show (policy.ts).
    for (const file of planned) {
      const decision = ctx.policy.checkUploadDestination(file.dst);
      if (!decision.allowed) return failed("policy_denied", decision.message);
    }
    const dirs = planned.map((f) => dirOf(f.dst));
    await ensureDirs(ctx, step.dstDir ? [step.dstDir, ...dirs] : dirs, step.dirPerm);
    let skipped = 0;
    let bytes = 0;
    await eachLimited(planned, PARALLEL, async (file) => {
      const want = { path: file.dst, size: file.size, sha256: file.sha256 };
      const there = await alreadyThere(ctx, want);
      if (there) {
        await keepOwnership(ctx, want, there, file.own);
        skipped++;
        return;
      }
      const sent = await putFile(ctx, await sftp.get(), await file.open(), file.dst, file.own);
      if (await file.unchanged()) rememberWritten(ctx, want, sent.written);
      else ctx.files.forgetWritten(ctx.host, file.dst);
      bytes += sent.bytes;
    });
    return {
      ok: true,
      exitCode: 0,
      stdout: "",
      stderr: "",
      changed: skipped < planned.length,
      transfer: { files: planned.length, skipped, bytes },
    };
  } finally {
    await sftp.end();
    await Promise.all(fetched.map((f) => f.remove()));
  }
}
