import { randomBytes } from "node:crypto";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { ApiClient, ApiFailure } from "../../cli/api-client";
import { REPO_ROOT, startLocalApi, type LocalApi } from "./local-api";
import { stopChild } from "./stop-child";

/** The API plus one relay connected to it: what `npm start` runs and e2e tests build on. */
export interface LocalStack {
  api: LocalApi;
  admin: ApiClient;
  site: string;
  relayName: string;
  relayLog(): string;
  stopRelay(): Promise<void>;
  /** SIGKILL the relay, as a crash would: no drain, no goodbye; its state dir stays. */
  killRelay(): Promise<void>;
  startRelay(): Promise<void>;
  /** SIGKILL the local Workers runtime and start it again on the same port and local state. */
  restartApi(): Promise<void>;
  stop(): Promise<void>;
}

export interface LocalStackOptions {
  port: number;
  /** Holds wrangler's local state, the relay's state and its config. */
  stateDir: string;
  adminToken: string;
  site?: string;
  relayWaitSeconds?: number;
  /** Folders the relay may upload files from. */
  uploadRoots?: string[];
  allowHooks?: boolean;
  /** policy.allowedUrls: where the relay may download itself (the local k0s download server). */
  allowedUrls?: string[];
  /** Give the relay a backup store (relay.yaml `backups`) in its state folder, keeping `keep` backups per cluster. */
  backups?: { keep: number };
  verbose?: boolean;
  /** More Worker vars, passed to wrangler dev. */
  vars?: Record<string, string>;
}

/** GET /v1/relays and POST /v1/relays (201), as far as the local stack reads them. */
const RelayList = z.object({ relays: z.array(z.object({ name: z.string(), online: z.boolean() })) });
const RelayCreated = z.object({ token: z.string().min(1) });

async function waitRelayOnline(admin: ApiClient, name: string, relay: () => ChildProcess | undefined, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const proc = relay();
    if (proc?.exitCode !== null && proc?.exitCode !== undefined) throw new Error(`relay exited ${proc.exitCode}:\n${log()}`);
    const { relays } = await admin.json("GET", "/v1/relays", RelayList);
    if (relays.some((r) => r.name === name && r.online)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`relay ${name} did not come online within 30s:\n${log()}`);
}

export async function startLocalStack(opts: LocalStackOptions): Promise<LocalStack> {
  const site = opts.site ?? "local";
  const relayName = `${site}-relay`;
  const apiOptions = {
    port: opts.port,
    persistTo: join(opts.stateDir, "wrangler"),
    adminToken: opts.adminToken,
    relayWaitSeconds: opts.relayWaitSeconds,
    verbose: opts.verbose,
    vars: opts.vars,
  };
  let api = await startLocalApi(apiOptions);
  const admin = new ApiClient({ url: api.url, token: opts.adminToken });
  try {
    const relayDir = join(opts.stateDir, "relay");
    await mkdir(relayDir, { recursive: true, mode: 0o700 });
    const tokenFile = join(relayDir, "token");
    // On a restart the relay already exists (409) and its token file from the first start is reused.
    try {
      const { token } = await admin.json("POST", "/v1/relays", RelayCreated, { body: { name: relayName, site } });
      await writeFile(tokenFile, token, { mode: 0o600 });
    } catch (err) {
      if (!(err instanceof ApiFailure && err.status === 409)) throw new Error(`registering the relay failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    const configPath = join(relayDir, "relay.yaml");
    const config = [
      `api:`,
      `  url: ${JSON.stringify(api.url)}`,
      `  tokenFile: ${JSON.stringify(tokenFile)}`,
      `site: ${JSON.stringify(site)}`,
      `stateDir: ${JSON.stringify(join(relayDir, "state"))}`,
      `policy:`,
      `  allowedHosts: ["127.0.0.0/8"]`,
      `  uploadRoots: ${JSON.stringify(opts.uploadRoots ?? [])}`,
      `  allowHooks: ${opts.allowHooks ? "true" : "false"}`,
      `  allowedUrls: ${JSON.stringify(opts.allowedUrls ?? [])}`,
      `heartbeatMs: 5000`,
      ...(opts.backups ? [`backups:`, `  dir: ${JSON.stringify(join(relayDir, "backups"))}`, `  keyFile: ${JSON.stringify(join(relayDir, "backup.key"))}`, `  keep: ${opts.backups.keep}`] : []),
      ``,
    ].join("\n");
    // The key is made once: a restarted stack must still read the backups it took.
    if (opts.backups) await writeFile(join(relayDir, "backup.key"), randomBytes(32), { mode: 0o600, flag: "wx" }).catch((err: unknown) => {
      if (!(err instanceof Error && "code" in err && err.code === "EEXIST")) throw err;
    });
    await writeFile(configPath, config, { mode: 0o600 });

    let relay: ChildProcess | undefined;
    let relayOutput = "";
    const relayLog = () => relayOutput;
    const startRelay = async () => {
      relay = spawn(process.execPath, [join(REPO_ROOT, "bin", "keel-relay.js"), "--config", configPath], {
        cwd: REPO_ROOT,
        stdio: ["ignore", "pipe", "pipe"],
      });
      const capture = (d: Buffer) => {
        relayOutput += d.toString();
        if (opts.verbose) process.stdout.write(`[relay] ${d.toString()}`);
      };
      relay.stdout?.on("data", capture);
      relay.stderr?.on("data", capture);
      await waitRelayOnline(admin, relayName, () => relay, relayLog);
    };
    // A process killed by a signal has a null exitCode: waiting for its exit would hang.
    const exitedAlready = (proc: ChildProcess) => proc.exitCode !== null || proc.signalCode !== null;
    const stopRelay = async () => {
      if (relay) await stopChild(relay);
    };
    const killRelay = async () => {
      const proc = relay;
      if (!proc || exitedAlready(proc)) return;
      const exited = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGKILL");
      await exited;
    };
    await startRelay();
    return {
      get api() {
        return api;
      },
      admin,
      site,
      relayName,
      relayLog,
      stopRelay,
      killRelay,
      startRelay,
      restartApi: async () => {
        await api.kill();
        api = await startLocalApi(apiOptions);
      },
      stop: async () => {
        await stopRelay();
        await api.stop();
      },
    };
  } catch (err) {
    await api.stop();
    throw err;
  }
}
