import { open, rename, mkdir } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Small helpers for files that must survive a crash: data is fsync'd before
 * we answer, and whole-file rewrites go through a temp file + rename so a
 * reader never sees half a file.
 */

export async function ensureDir(path: string, mode = 0o700): Promise<void> {
  await mkdir(path, { recursive: true, mode });
}

async function fsyncDir(path: string): Promise<void> {
  const dir = await open(path, "r");
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** Appends one chunk and fsyncs it. */
export async function appendDurable(path: string, data: string, mode = 0o600): Promise<void> {
  const file = await open(path, "a", mode);
  try {
    await file.write(data);
    await file.sync();
  } finally {
    await file.close();
  }
}

/** Replaces a file atomically with `data` (mode applied before the rename). */
export async function writeFileAtomic(path: string, data: string, mode = 0o600): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const file = await open(tmp, "w", mode);
  try {
    await file.chmod(mode);
    await file.write(data);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(tmp, path);
  await fsyncDir(dirname(path));
}
