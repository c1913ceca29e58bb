import { createServer, type Server } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Log } from "../../relay/log";

/** A fresh state folder per test file. */
export async function tempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** A log that records lines (and echoes them when KEEL_TEST_LOG is set). */
export function recordingLog(): { log: Log; lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    log: (scope, message) => {
      const line = `[${scope}] ${message}`;
      lines.push(line);
      if (process.env.KEEL_TEST_LOG) console.log(line);
    },
  };
}

/** Waits until `probe` returns a value (not undefined/false), polling; fails naming `what` after `timeoutMs`. */
export async function waitFor<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A TCP server on 127.0.0.1 that counts and drops each connection: proof that a refused step never connected. */
export async function droppingServer(onAccept: () => void): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    onAccept();
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return { server, port: address.port };
}
