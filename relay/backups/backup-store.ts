import { createHash } from "node:crypto";
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { PassThrough, Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { backupIsComplete, type BackupContents } from "../../schema/steps-backup";
import { contentsOf, listMembers } from "./archive-members";
import { aadFor, decryptFile, encryptStream } from "./backup-cipher";

/**
 * The relay's backup store: one folder per cluster, each backup an encrypted
 * `<id>.kbk` (backup-cipher.ts) and a `<id>.json` of its metadata. Archives
 * are streamed in and out, never held in memory.
 */

export interface StoredBackup {
  id: string;
  size: number;
  sha256: string;
  createdAt: number;
}

export interface Verification {
  ok: boolean;
  contents: BackupContents;
  error?: string;
}

const NO_CONTENTS: BackupContents = { storage: null, pki: false, manifests: false, images: false, config: false };

export class BackupStore {
  constructor(
    readonly dir: string,
    private readonly key: Buffer,
    readonly keep: number,
  ) {}

  private paths(cluster: string, id: string) {
    const folder = join(this.dir, cluster);
    return { folder, data: join(folder, `${id}.kbk`), meta: join(folder, `${id}.json`) };
  }

  /** Encrypts `plain` into the store; the file appears under its final name only once complete. */
  async write(cluster: string, id: string, plain: Readable, createdAt: number): Promise<StoredBackup> {
    const p = this.paths(cluster, id);
    await mkdir(p.folder, { recursive: true, mode: 0o700 });
    const hash = createHash("sha256");
    let size = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _e, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    const tmp = `${p.data}.partial`;
    try {
      await pipeline(plain, measure, encryptStream(this.key, aadFor(cluster, id)), createWriteStream(tmp, { mode: 0o600 }));
      const stored: StoredBackup = { id, size, sha256: hash.digest("hex"), createdAt };
      await writeFile(p.meta, JSON.stringify(stored), { mode: 0o600 });
      await rename(tmp, p.data);
      return stored;
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  /** The plaintext archive, streamed; it errors at its end when the file fails authentication. */
  async open(cluster: string, id: string): Promise<Readable> {
    return decryptFile(this.paths(cluster, id).data, this.key, aadFor(cluster, id));
  }

  async has(cluster: string, id: string): Promise<boolean> {
    return stat(this.paths(cluster, id).data).then(
      () => true,
      () => false,
    );
  }

  /** Decrypts the whole file, checks its sha256 and what the archive holds. */
  async verify(cluster: string, id: string, sha256: string): Promise<Verification> {
    let contents = NO_CONTENTS;
    try {
      const plain = await this.open(cluster, id);
      const hash = createHash("sha256");
      const toTar = new PassThrough();
      plain.on("data", (chunk: Buffer) => hash.update(chunk));
      plain.on("error", (err) => toTar.destroy(err));
      plain.pipe(toTar);
      contents = contentsOf(await listMembers(toTar));
      const got = hash.digest("hex");
      if (got !== sha256) return { ok: false, contents, error: `the stored archive's sha256 is ${got}, not ${sha256}` };
    } catch (err) {
      return { ok: false, contents, error: err instanceof Error ? err.message : String(err) };
    }
    if (!backupIsComplete(contents)) {
      const missing = [contents.storage === null && "a storage snapshot (etcd-snapshot.db or kine-state-backup.db)", !contents.pki && "pki/", !contents.config && "k0s.yaml"].filter(Boolean);
      return { ok: false, contents, error: `the archive lacks ${missing.join(", ")}` };
    }
    return { ok: true, contents };
  }

  /** Every backup of a cluster, newest first. */
  async list(cluster: string): Promise<StoredBackup[]> {
    const folder = this.paths(cluster, "x").folder;
    const names = await readdir(folder).catch(() => [] as string[]);
    const found: StoredBackup[] = [];
    for (const name of names.filter((n) => n.endsWith(".json"))) {
      const meta = JSON.parse(await readFile(join(folder, name), "utf8")) as StoredBackup;
      found.push(meta);
    }
    return found.sort((a, b) => b.createdAt - a.createdAt || b.id.localeCompare(a.id));
  }

  async remove(cluster: string, id: string): Promise<void> {
    const p = this.paths(cluster, id);
    await rm(p.data, { force: true });
    await rm(p.meta, { force: true });
  }

  /** Keeps the newest `keep` backups of the cluster and deletes the rest; returns the deleted ids. */
  async prune(cluster: string): Promise<string[]> {
    const old = (await this.list(cluster)).slice(this.keep);
    for (const b of old) await this.remove(cluster, b.id);
    return old.map((b) => b.id);
  }
}

export class BackupKeyError extends Error {}

/** The key: 32 bytes, raw or as 64 hex digits, in a file only its owner can read. */
export async function readBackupKey(path: string): Promise<Buffer> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new BackupKeyError(`backups.keyFile: cannot read ${path}`);
  }
  if ((info.mode & 0o077) !== 0) throw new BackupKeyError(`backups.keyFile: ${path} is readable by others (mode ${(info.mode & 0o777).toString(8)}): chmod 600 it`);
  const raw = await readFile(path);
  if (raw.length === 32) return raw;
  const text = raw.toString("utf8").trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, "hex");
  throw new BackupKeyError(`backups.keyFile: ${path} must hold 32 bytes (raw, or 64 hex digits): make one with \`head -c 32 /dev/urandom > ${path}\``);
}
