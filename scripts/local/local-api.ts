import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
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
  /** More Worker vars and secrets (AUDIT_SIGNING_KEY, SLACK_SIGNING_SECRET for a test's Slack stand-in…), as `wrangler dev --var NAME:VALUE`. */
  vars?: Record<string, string>;
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

/**
 * KEEL_SECRETS_KEY for the local API: made once per state folder and kept
 * beside it, since the webhook secrets in that folder's D1 are sealed with it.
 */
async function localSecretsKey(persistTo: string): Promise<string> {
  const file = join(persistTo, "secrets-key");
  try {
    return (await readFile(file, "utf8")).trim();
  } catch {
    await mkdir(persistTo, { recursive: true });
    const key = randomBytes(32).toString("base64");
    await writeFile(file, `${key}\n`, { mode: 0o600, flag: "wx" }).catch(async () => undefined);
    return (await readFile(file, "utf8")).trim();
  }
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
    "--var", `KEEL_SECRETS_KEY:${await localSecretsKey(opts.persistTo)}`,
    ...Object.entries(opts.vars ?? {}).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
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
 * Run SQL against the local D1 database: the very SQLite file the running dev
 * server writes (miniflare keeps one per D1 binding under
 * `<persistTo>/v3/d1/miniflare-D1DatabaseObject/`), read with Debian's
 * `sqlite3`. `wrangler d1 execute --local` reads the same file but starts a
 * whole workerd per query (seconds on a loaded machine; the e2e tests ask
 * dozens of times), so the tests use sqlite3 and wrangler only for migrations.
 */
export async function queryLocalD1(persistTo: string, sql: string): Promise<Record<string, unknown>[]> {
  const file = await localD1File(persistTo);
  const out = await new Promise<string>((resolvePromise, reject) => {
    // .timeout: wait for the dev server's write lock rather than fail with SQLITE_BUSY.
    const child = spawn("sqlite3", ["-json", "-cmd", ".timeout 10000", file, sql], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", (e) => reject(new Error(`cannot run sqlite3 (install Debian's sqlite3 package): ${e.message}`)));
    child.on("exit", (code) => (code === 0 ? resolvePromise(stdout) : reject(new Error(`sqlite3 exited ${code} for ${JSON.stringify(sql)}: ${stderr.slice(-2000)}`))));
  });
  if (out.trim() === "") return [];
  try {
    return JSON.parse(out) as Record<string, unknown>[];
  } catch (e) {
    throw new Error(`unexpected output from sqlite3: ${String(e)}: ${out.slice(0, 2000)}`);
  }
}

async function localD1File(persistTo: string): Promise<string> {
  const dir = join(persistTo, "v3", "d1", "miniflare-D1DatabaseObject");
  const files = (await readdir(dir)).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
  if (files.length !== 1) throw new Error(`expected one local D1 database in ${dir}, found ${files.length} (${files.join(", ")})`);
  return join(dir, files[0] as string);
}
