import { applyOwnership, remoteFileInfo, remoteSha256, type Ownership, type RemoteFileInfo } from "./remote-file";
import type { StepContext } from "./step-context";

/**
 * Whether a host file already holds the bytes keel would send, at the lowest
 * cost that is still safe (the rule is written out in upload-cache.ts): no
 * hashing on the host when keel's own record vouches for the file, one
 * command that stats and hashes when it does not, nothing but a stat when the
 * size alone says it differs.
 */

export interface WantedFile {
  path: string;
  size: number;
  sha256: string;
}

export async function alreadyThere(ctx: StepContext, want: WantedFile): Promise<RemoteFileInfo | undefined> {
  const known = ctx.files.writtenAt(ctx.host, want.path);
  const vouched = known !== undefined && known.sha256 === want.sha256;
  const info = await remoteFileInfo(ctx, want.path, vouched ? {} : { hashIfSize: want.size });
  if (!info) {
    ctx.files.forgetWritten(ctx.host, want.path);
    return undefined;
  }
  if (vouched && info.identity === known.identity) return info;
  if (info.size !== want.size) return undefined;
  // Our record is stale (something touched the file since): only its bytes can tell.
  const sha256 = info.sha256 ?? (await remoteSha256(ctx, want.path));
  if (sha256 !== want.sha256) return undefined;
  ctx.files.recordWritten(ctx.host, want.path, { sha256, identity: info.identity });
  return info;
}

/** After a skip: fix a mode or owner that drifted, keeping the record in step with the new identity. */
export async function keepOwnership(ctx: StepContext, want: WantedFile, there: RemoteFileInfo, own: Ownership): Promise<void> {
  const drifted = there.mode !== own.mode || (own.user !== undefined && own.user !== there.owner) || (own.group !== undefined && own.group !== there.group);
  if (!drifted) return;
  const after = await applyOwnership(ctx, want.path, own);
  ctx.files.recordWritten(ctx.host, want.path, { sha256: want.sha256, identity: after.identity });
}

/** Remembers what keel just wrote, so the next apply can skip it without hashing on the host. */
export function rememberWritten(ctx: StepContext, want: WantedFile, written: Pick<RemoteFileInfo, "identity">): void {
  ctx.files.recordWritten(ctx.host, want.path, { sha256: want.sha256, identity: written.identity });
}
