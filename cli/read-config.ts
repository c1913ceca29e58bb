import { isUtf8 } from "node:buffer";
import { open } from "node:fs/promises";
import { resolve } from "node:path";
import type { ClusterSpec } from "../schema/cluster";
import { loadClusterYaml, MAX_SPEC_BYTES, type LoadResult } from "../schema/cluster-load";
import type { CliIo } from "./command";

/**
 * Reading k0sctl.yaml files the way every command does: each `-c` path
 * (default k0sctl.yaml, "-" for standard input), bounded, UTF-8 only, then
 * loadClusterYaml with this shell's environment for envsubst.
 */

export type ReadResult = { ok: true; text: string } | { ok: false; message: string };

export type LoadFilesResult = { ok: true; label: string; result: LoadResult } | { ok: false; path: string; message: string };

/** Reads and loads every path; an unreadable file stops at that file. */
export async function loadConfigFiles(paths: string[], io: CliIo): Promise<LoadFilesResult> {
  const texts: string[] = [];
  for (const path of paths) {
    const read = await readConfig(path, io);
    if (!read.ok) return { ok: false, path, message: read.message };
    texts.push(read.text);
  }
  const label = paths.map((p) => (p === "-" ? "<stdin>" : p)).join(" + ");
  return { ok: true, label, result: loadClusterYaml(texts, io.env) };
}

/**
 * The spec, after printing its warnings; or null after printing why the files
 * cannot be used (unreadable, or every error with its path).
 */
export function reportLoad(loaded: LoadFilesResult, io: CliIo): ClusterSpec | null {
  if (!loaded.ok) {
    io.err(`${loaded.path}: ${loaded.message}`);
    return null;
  }
  const { label, result } = loaded;
  if (!result.ok) {
    io.err(`${label}: invalid (${result.errors.length} ${result.errors.length === 1 ? "error" : "errors"})`);
    for (const e of result.errors) io.err(`  ${e.path}: ${e.message}`);
    return null;
  }
  for (const w of result.warnings) io.err(`warning: ${w.path}: ${w.message}`);
  return result.spec;
}

/** "-c -" may appear once: standard input cannot be read twice. */
export function stdinTwice(paths: string[]): boolean {
  return paths.filter((p) => p === "-").length > 1;
}

export async function readConfig(path: string, io: CliIo): Promise<ReadResult> {
  let bytes: Buffer | null;
  if (path === "-") {
    bytes = await io.readStdin(MAX_SPEC_BYTES);
  } else {
    try {
      bytes = await readBounded(resolve(io.cwd, path), MAX_SPEC_BYTES);
    } catch (err) {
      const code = typeof err === "object" && err !== null && "code" in err ? String(err.code) : "";
      return { ok: false, message: code === "ENOENT" ? "no such file" : `cannot read: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
  if (bytes === null) return { ok: false, message: `larger than ${MAX_SPEC_BYTES} bytes` };
  if (!isUtf8(bytes)) return { ok: false, message: "is not UTF-8 text" };
  return { ok: true, text: bytes.toString("utf8") };
}

// Reads at most maxBytes + 1 so a huge (or endless, like /dev/zero) file is refused without reading it all.
async function readBounded(path: string, maxBytes: number): Promise<Buffer | null> {
  const handle = await open(path, "r");
  try {
    const buf = Buffer.alloc(maxBytes + 1);
    let size = 0;
    while (size < buf.length) {
      const { bytesRead } = await handle.read(buf, size, buf.length - size, null);
      if (bytesRead === 0) break;
      size += bytesRead;
    }
    return size > maxBytes ? null : buf.subarray(0, size);
  } finally {
    await handle.close();
  }
}
