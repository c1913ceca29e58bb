import { spawn, type ChildProcess } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { dirname, join, resolve } from "node:path";
import { stopChild } from "./stop-child";

/** The repository root, whatever the caller's working directory. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const WRANGLER = join(REPO_ROOT, "node_modules", ".bin", "wrangler");

export interface LocalApi {
  url: string;
  adminToken: string;
  stop(): Promise<void>;
  /** SIGKILL wrangler and workerd, as a crash would; the local state stays for the next start. */
  kill(): Promise<void>;
}

export interface LocalApiOptions {
  port: number;
  /** Where wrangler keeps local D1 and Durable Object state. */
  persistTo: string;
  adminToken: string;
  relayWaitSeconds?: number;
  /** Print wrangler's own output (the start script wants it, tests don't). */
  verbose?: boolean;
}

// wrangler phones home unless told not to; this machine has no way out anyway.
const wranglerEnv = { ...process.env, WRANGLER_SEND_METRICS: "false", CI: process.env.CI ?? "", NO_COLOR: "1" };

function run(args: string[], verbose: boolean): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(WRANGLER, args, { cwd: REPO_ROOT, env: wranglerEnv, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (verbose) process.stdout.write(output);
      if (code === 0) resolvePromise();
      else reject(new Error(`wrangler ${args.join(" ")} exited ${code}:\n${output.slice(-4000)}`));
    });
  });
}

/** Apply the D1 migrations to the local database, as `wrangler d1 migrations apply --local` does on deploy. */
export async function applyLocalMigrations(persistTo: string, verbose = false): Promise<void> {
  await mkdir(persistTo, { recursive: true });
  await run(["d1", "migrations", "apply", "keel", "--local", "--persist-to", persistTo], verbose);
}

async function waitHealthy(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited ${child.exitCode}:\n${log().slice(-4000)}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`wrangler dev did not answer ${url}/healthz within 90s:\n${log().slice(-4000)}`);
}

/** The API in the local Workers runtime (workerd) with local D1, migrations applied. */
export async function startLocalApi(opts: LocalApiOptions): Promise<LocalApi> {
  await applyLocalMigrations(opts.persistTo, opts.verbose ?? false);
  const args = [
    "dev",
    "--ip", "127.0.0.1",
    "--port", String(opts.port),
    "--inspector-port", "0",
    "--persist-to", opts.persistTo,
    "--show-interactive-dev-session=false",
    "--log-level", opts.verbose ? "info" : "error",
    "--var", `KEEL_ADMIN_TOKEN:${opts.adminToken}`,
    "--var", `RELAY_WAIT_SECONDS:${opts.relayWaitSeconds ?? 60}`,
  ];
  const child = spawn(WRANGLER, args, { cwd: REPO_ROOT, env: wranglerEnv, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  const capture = (d: Buffer) => {
    output = (output + d.toString()).slice(-20_000);
    if (opts.verbose) process.stdout.write(d);
  };
  child.stdout?.on("data", capture);
  child.stderr?.on("data", capture);
  const url = `http://127.0.0.1:${opts.port}`;
  // wrangler runs detached, leading its own process group with workerd in it.
  const stop = () => stopChild(child, { group: true });
  // A crash as a test wants one: SIGKILL to the whole group, no chance to clean up.
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    const exited = new Promise((r) => child.once("exit", r));
    process.kill(-child.pid, "SIGKILL");
    await exited;
  };
  try {
    await waitHealthy(url, child, () => output);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, adminToken: opts.adminToken, stop, kill };
}

/**
 * Run SQL against the local D1 database (what `wrangler d1 execute --local` sees).
 * The running dev server holds the same SQLite file, so a busy database is retried.
 */
export async function queryLocalD1(persistTo: string, sql: string): Promise<Record<string, unknown>[]> {
  return (await queryLocalD1Many(persistTo, sql))[0] ?? [];
}

/** Several statements, separated by `;`, in one `wrangler d1 execute` (each one costs seconds to start): the rows of each, in order. */
export async function queryLocalD1Many(persistTo: string, sql: string): Promise<Record<string, unknown>[][]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await queryLocalD1Once(persistTo, sql);
    } catch (err) {
      if (attempt >= 5 || !String(err).includes("SQLITE_BUSY")) throw err;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

function queryLocalD1Once(persistTo: string, sql: string): Promise<Record<string, unknown>[][]> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(WRANGLER, ["d1", "execute", "keel", "--local", "--persist-to", persistTo, "--json", "--command", sql], {
      cwd: REPO_ROOT,
      env: wranglerEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`wrangler d1 execute exited ${code}: ${err.slice(-2000)}${out.slice(-2000)}`));
      try {
        const parsed = JSON.parse(out) as { results?: Record<string, unknown>[] }[];
        resolvePromise(parsed.map((p) => p.results ?? []));
      } catch (e) {
        reject(new Error(`unexpected output from wrangler d1 execute: ${String(e)}: ${out.slice(0, 2000)}`));
      }
    });
  });
}
