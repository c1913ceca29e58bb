import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { open } from "node:fs/promises";
import { createReadStream } from "node:fs";
import { Transform, type Readable } from "node:stream";

/**
 * The store's file format: MAGIC, a 12-byte IV, the AES-256-GCM ciphertext,
 * the 16-byte tag. The additional data binds a file to its cluster and id, so
 * a file renamed or copied under another backup fails authentication.
 */

export const MAGIC = Buffer.from("KEELBK01", "ascii");
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const HEADER_BYTES = MAGIC.length + IV_BYTES;

export class BackupTampered extends Error {}

export function aadFor(cluster: string, id: string): Buffer {
  return Buffer.from(`keel-backup:${cluster}/${id}`, "utf8");
}

/** Encrypts a stream: the header first, the tag once the plaintext ends. */
export function encryptStream(key: Buffer, aad: Buffer): Transform {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(aad);
  let headerSent = false;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (!headerSent) {
        this.push(Buffer.concat([MAGIC, iv]));
        headerSent = true;
      }
      done(null, cipher.update(chunk));
    },
    flush(done) {
      if (!headerSent) this.push(Buffer.concat([MAGIC, iv]));
      this.push(cipher.final());
      done(null, cipher.getAuthTag());
    },
  });
}

/**
 * Decrypts a stored file as a stream. The tag is read from the file's end
 * first; plaintext flows before it is checked (the archive can be gigabytes),
 * so a consumer must treat its output as untrusted until the stream ends
 * without error: a tampered file errors at the end with BackupTampered.
 */
export async function decryptFile(path: string, key: Buffer, aad: Buffer): Promise<Readable> {
  const fh = await open(path, "r");
  let header: Buffer;
  let tag: Buffer;
  let size: number;
  try {
    size = (await fh.stat()).size;
    if (size < HEADER_BYTES + TAG_BYTES) throw new BackupTampered(`${path} is too short to be a keel backup`);
    header = Buffer.alloc(HEADER_BYTES);
    await fh.read(header, 0, HEADER_BYTES, 0);
    tag = Buffer.alloc(TAG_BYTES);
    await fh.read(tag, 0, TAG_BYTES, size - TAG_BYTES);
  } finally {
    await fh.close();
  }
  if (!header.subarray(0, MAGIC.length).equals(MAGIC)) throw new BackupTampered(`${path} is not a keel backup (bad header)`);
  const decipher = createDecipheriv("aes-256-gcm", key, header.subarray(MAGIC.length));
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  const body = size - TAG_BYTES - 1;
  if (body < HEADER_BYTES) {
    // No ciphertext at all (an empty archive): only the tag to check.
    const empty = new Transform({ transform: (_c, _e, done) => done(), flush: (done) => finish(decipher, done) });
    empty.end();
    return empty;
  }
  const source = createReadStream(path, { start: HEADER_BYTES, end: body });
  const out = new Transform({
    transform: (chunk: Buffer, _enc, done) => done(null, decipher.update(chunk)),
    flush: (done) => finish(decipher, done),
  });
  source.on("error", (err) => out.destroy(err));
  return source.pipe(out);
}

function finish(decipher: ReturnType<typeof createDecipheriv>, done: (err: Error | null, data?: Buffer) => void): void {
  try {
    done(null, decipher.final());
  } catch {
    done(new BackupTampered("the backup failed authentication: it was changed, truncated, or encrypted with another key"));
  }
}
