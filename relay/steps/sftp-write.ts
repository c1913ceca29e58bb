import { open, type FileHandle } from "node:fs/promises";
import type { SFTPWrapper } from "ssh2";

/**
 * Writes bytes to a host file over SFTP with many WRITE requests in flight,
 * as OpenSSH's sftp does: one request at a time waits a round trip per chunk
 * (ssh2's write stream sends the next only once the last is acknowledged),
 * which on a 20 ms link caps a transfer at a few MiB/s. Memory stays flat:
 * at most IN_FLIGHT chunks are read ahead of what the host confirmed.
 */

/**
 * Bytes per WRITE request: below the 255 KiB OpenSSH's sftp-server takes (a
 * larger one ssh2 splits into requests sent one after the other). Fewer,
 * larger requests cost the relay's one thread less than OpenSSH's 32 KiB:
 * measured with bench/upload.ts, 240 KiB × 16 used ~25 % less CPU than 128 KiB × 32.
 */
export const CHUNK_BYTES = 240 * 1024;
/** Requests in flight per file: 3.75 MiB, more than sshd's 2 MiB channel window, so the window never runs dry. */
export const IN_FLIGHT = 16;
/** The source is read this much at a time (fewer, larger reads), then sent as several requests. */
const BLOCK_BYTES = 4 * CHUNK_BYTES;

/**
 * What an upload reads from: a relay file or bytes in memory, read by
 * position. `read` may fill `into` (a free buffer of at least `length`
 * bytes) and return a view of it, or return a view of its own bytes.
 */
export interface UploadSource {
  size: number;
  read(position: number, length: number, into: Buffer): Promise<Buffer>;
  close(): Promise<void>;
}

export function bytesSource(data: Buffer): UploadSource {
  return { size: data.length, read: async (position, length) => data.subarray(position, position + length), close: async () => {} };
}

export async function fileSource(path: string): Promise<UploadSource> {
  const file: FileHandle = await open(path, "r");
  const { size } = await file.stat();
  return {
    size,
    read: async (position, length, into) => {
      let got = 0;
      while (got < length) {
        const { bytesRead } = await file.read(into, got, length - got, position + got);
        if (bytesRead === 0) throw new Error(`${path} shrank while it was being sent`);
        got += bytesRead;
      }
      return into.subarray(0, length);
    },
    close: () => file.close(),
  };
}

function sftpOpen(sftp: SFTPWrapper, path: string, mode: number): Promise<Buffer> {
  return new Promise((resolve, reject) => sftp.open(path, "w", { mode }, (err, handle) => (err ? reject(err) : resolve(handle))));
}

function sftpWrite(sftp: SFTPWrapper, handle: Buffer, chunk: Buffer, position: number): Promise<void> {
  return new Promise((resolve, reject) => sftp.write(handle, chunk, 0, chunk.length, position, (err) => (err ? reject(err) : resolve())));
}

function sftpClose(sftp: SFTPWrapper, handle: Buffer): Promise<void> {
  return new Promise((resolve, reject) => sftp.close(handle, (err) => (err ? reject(err) : resolve())));
}

/**
 * Creates (or truncates) `path` with `mode` and writes all of `source` into
 * it. Stops at the first failed request or when `stop` aborts; the caller
 * races this against the session closing (a dead session may never answer).
 */
export async function writeRemoteFile(sftp: SFTPWrapper, path: string, mode: number, source: UploadSource, stop: AbortSignal): Promise<number> {
  const handle = await sftpOpen(sftp, path, mode);
  const inFlight = new Set<Promise<void>>();
  // A block is reused only once the host acknowledged every write cut from it
  // (ssh2 keeps a reference when it splits a request): a few blocks per file,
  // and far less garbage than one buffer per chunk.
  const free: Buffer[] = [];
  let failure: { error: unknown } | undefined;
  let position = 0;
  try {
    while (position < source.size && !failure) {
      stop.throwIfAborted();
      if (inFlight.size + BLOCK_BYTES / CHUNK_BYTES > IN_FLIGHT) {
        await Promise.race(inFlight);
        continue;
      }
      const block = free.pop() ?? Buffer.allocUnsafe(BLOCK_BYTES);
      const length = Math.min(BLOCK_BYTES, source.size - position);
      const data = await source.read(position, length, block);
      let pending = Math.ceil(length / CHUNK_BYTES);
      for (let offset = 0; offset < length; offset += CHUNK_BYTES) {
        const chunk = data.subarray(offset, Math.min(offset + CHUNK_BYTES, length));
        const request: Promise<void> = sftpWrite(sftp, handle, chunk, position + offset).then(
          () => {
            if (--pending === 0) free.push(block);
            inFlight.delete(request);
          },
          (error: unknown) => {
            failure ??= { error };
            inFlight.delete(request);
          },
        );
        inFlight.add(request);
      }
      position += length;
    }
    await Promise.all(inFlight);
    if (failure) throw failure.error;
    stop.throwIfAborted();
    await sftpClose(sftp, handle);
    return position;
  } catch (err) {
    // Best effort: on a dead session the close is never answered.
    sftp.close(handle, () => {});
    throw err;
  }
}
