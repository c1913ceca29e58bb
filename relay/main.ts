import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { BackupStore, readBackupKey } from "./backups/backup-store";
import { ConfigError, journalLimits, loadRelayConfig, resolveRelayConfig, type RelayConfig } from "./config";
import { RelayConnection } from "./connection";
import { Dispatcher } from "./dispatcher";
import { ensureDir } from "./durable-file";
import { Executor } from "./executor";
import { Journal } from "./journal";
import { KnownHosts } from "./known-hosts";
import { consoleLog, errorMessage, type Log } from "./log";
import { Policy } from "./policy";
import { RelaySecrets } from "./relay-secrets";
import { SshPool } from "./ssh-pool";
import { relayVersion } from "./version";

export interface RelayHandle {
  /** Cancels running steps, closes SSH connections and the WebSocket (1000). */
  stop(): Promise<void>;
  /** Resolves when the relay gives up for good: "stopped", or "revoked" by the API. */
  done: Promise<string>;
}

export interface StartOptions {
  log?: Log;
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts a relay from a config object (the shape of relay.yaml; relative paths
 * resolve against the working directory). Resolves once the relay's state is
 * loaded; the WebSocket connects, and reconnects, in the background.
 */
export async function startRelay(config: unknown, opts: StartOptions = {}): Promise<RelayHandle> {
  const cfg: RelayConfig = await resolveRelayConfig(config, { env: opts.env ?? {} });
  return startResolvedRelay(cfg, opts.log ?? consoleLog);
}

async function startResolvedRelay(cfg: RelayConfig, log: Log): Promise<RelayHandle> {
  await ensureDir(cfg.stateDir);
  const [journal, knownHosts] = await Promise.all([Journal.open(cfg.stateDir, journalLimits(cfg)), KnownHosts.open(cfg.stateDir)]);
  const prune = async () => {
    try {
      const report = await journal.prune();
      if (report.runs + report.secrets > 0) log("journal", `pruned ${report.runs} run(s) and the secrets of ${report.secrets} more; ${(report.bytes / 1024 / 1024).toFixed(1)} MiB left`);
      if (report.overLimit) log("journal", `runs active in the last 6 hours alone hold ${(report.bytes / 1024 / 1024).toFixed(1)} MiB, over journal.maxMiB`);
    } catch (err) {
      log("journal", `cannot prune: ${errorMessage(err)}`);
    }
  };
  await prune();
  const pruning = setInterval(() => void prune(), cfg.journal.pruneEveryMinutes * 60_000);
  pruning.unref();
  const pool = new SshPool({ knownHosts, connectTimeoutMs: cfg.ssh.connectTimeoutMs, keepaliveMs: cfg.ssh.keepaliveMs, log });
  const policy = new Policy(cfg.policy);
  const backups = cfg.backups ? new BackupStore(cfg.backups.dir, await readBackupKey(cfg.backups.keyFile), cfg.backups.keep) : undefined;
  const executor = new Executor({ pool, policy, journal, log, secrets: new RelaySecrets(cfg.secrets), ...(backups ? { backups } : {}) });
  const connection = new RelayConnection({
    url: cfg.api.url,
    token: cfg.api.token,
    site: cfg.site,
    relayVersion: relayVersion(),
    heartbeatMs: cfg.heartbeatMs,
    allowHooks: cfg.policy.allowHooks,
    log,
  });
  const dispatcher = new Dispatcher(executor, (m) => connection.send(m), log);
  log("relay", `site ${cfg.site}, state in ${cfg.stateDir}, ${cfg.policy.allowedHosts.length} allowed host pattern(s)`);
  connection.start(dispatcher);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      clearInterval(pruning);
      await dispatcher.drain();
      await pool.closeAll();
      await connection.stop();
      log("relay", "stopped");
    })());
  // A revoked relay has nothing left to do: release its SSH connections too.
  void connection.done.then((reason) => (reason === "revoked" ? stop() : undefined));
  return { stop, done: connection.done };
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { config: { type: "string", short: "c" } } });
  if (!values.config) {
    console.error("usage: keel-relay --config relay.yaml");
    process.exit(2);
  }
  let cfg: RelayConfig;
  try {
    cfg = await loadRelayConfig(values.config);
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : `cannot start: ${errorMessage(err)}`);
    process.exit(2);
  }
  const relay = await startResolvedRelay(cfg, consoleLog);
  const shutdown = (signal: string) => {
    consoleLog("relay", `${signal}: shutting down`);
    void relay.stop().then(() => process.exit(0));
  };
  process.once("SIGINT", () => shutdown("SIGINT"));
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  const reason = await relay.done;
  if (reason === "revoked") process.exit(3);
}

// Run only as the entry point (bin/keel-relay.js imports this file), not when imported by tests.
const entry = process.argv[1];
if (entry && (import.meta.url === pathToFileURL(entry).href || /keel-relay(\.js)?$/.test(entry))) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`keel-relay: ${errorMessage(err)}`);
    process.exit(1);
  });
}
