import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { hostKey, type HostTarget } from "../schema/step-base";

/**
 * What the relay remembers so an unchanged upload costs no hashing:
 *
 * - the sha256 of each relay-side source, keyed by (path, device, inode,
 *   size, mtime, ctime) in nanoseconds: an edit, a replacement or a touch
 *   changes the key, and the file is hashed again (concurrent steps asking for
 *   the same file share one hash);
 * - for each host file keel wrote (or verified by hashing it there), its
 *   sha256 and the identity `stat` gave right after: device, inode, size,
 *   mtime and ctime, in nanoseconds.
 *
 * The skip rule (remote-compare.ts): a host file is taken to hold the
 * source's bytes without hashing it there only when keel's record for that
 * host and path has the source's sha256 and the file's identity is still the
 * recorded one. ctime cannot be set from user space and every write, chmod,
 * chown, rename or utime moves it, so an unchanged identity means nothing has
 * touched the file since keel looked at it. Anything else (no record, another
 * sha, a moved identity) falls back to comparing size, then sha256 on the host.
 * Records live in memory only: a restarted relay verifies by hashing, once.
 */

/** Bounds on what is remembered; the least recently used entries go first. */
const MAX_SOURCES = 1024;
const MAX_WRITTEN = 8192;

export interface WrittenRecord {
  sha256: string;
  /** `dev|ino|size|mtime|ctime` as the host's stat printed it. */
  identity: string;
}

function remember<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  for (const old of map.keys()) {
    if (map.size <= max) break;
    map.delete(old);
  }
}

async function sourceKey(path: string): Promise<string> {
  const st = await stat(path, { bigint: true });
  return `${path}\0${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path, { highWaterMark: 1024 * 1024 }), hash);
  return hash.digest("hex");
}

export class UploadCache {
  private readonly sources = new Map<string, Promise<string>>();
  private readonly written = new Map<string, WrittenRecord>();
  /** How many source hashes were computed (not served from memory); for tests and benchmarks. */
  hashed = 0;

  /** The sha256 of a relay file, hashed only when it changed since last asked. */
  async sourceSha256(path: string): Promise<string> {
    const key = await sourceKey(path);
    const known = this.sources.get(key);
    if (known) {
      remember(this.sources, key, known, MAX_SOURCES);
      return known;
    }
    const hashing = (async () => {
      this.hashed++;
      const sha = await sha256OfFile(path);
      // Changed while being read: the sha belongs to no version of the file, so it is not kept.
      if ((await sourceKey(path)) !== key) this.sources.delete(key);
      return sha;
    })();
    remember(this.sources, key, hashing, MAX_SOURCES);
    hashing.catch(() => this.sources.delete(key));
    return hashing;
  }

  /** True when `path` is still the version whose sha256 is `sha256` (it did not change while being sent). */
  async sourceUnchanged(path: string, sha256: string): Promise<boolean> {
    const known = this.sources.get(await sourceKey(path).catch(() => ""));
    return known !== undefined && (await known.catch(() => undefined)) === sha256;
  }

  private writtenKey(host: HostTarget, path: string): string {
    return `${hostKey(host)}\0${path}`;
  }

  writtenAt(host: HostTarget, path: string): WrittenRecord | undefined {
    return this.written.get(this.writtenKey(host, path));
  }

  recordWritten(host: HostTarget, path: string, record: WrittenRecord): void {
    remember(this.written, this.writtenKey(host, path), record, MAX_WRITTEN);
  }

  forgetWritten(host: HostTarget, path: string): void {
    this.written.delete(this.writtenKey(host, path));
  }
}
