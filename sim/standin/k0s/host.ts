import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import type { ClusterKinds } from "./state";

// This host, its cluster's shared state, and the small helpers every command uses.

/** Baked in when the stand-in is bundled (sim/standins.ts), like a real k0s binary's version. */
declare const K0S_STANDIN_VERSION: string;
export const VERSION: string = typeof K0S_STANDIN_VERSION === "string" ? K0S_STANDIN_VERSION : "v0.0.0+k0s.0";

export const UNIT_DIR = "/etc/systemd/system";
export const DEFAULT_DATA_DIR = "/var/lib/k0s";
export const DEFAULT_SOCKET = "/run/k0s/status.sock";
export const DEFAULT_CONFIG = "/etc/k0s/k0s.yaml";
export const RUNTIME_CONFIG = "/run/k0s/k0s.yaml";
export const SERVICES = { controller: "k0scontroller", worker: "k0sworker" } as const;

/** A failed command: main prints "Error: <message>" and exits 1, as k0s does. */
export function fail(message: string): never {
  throw new Error(message);
}

export function out(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

export function writeAtomic(file: string, data: string, mode = 0o644): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, file);
}

/** A JSON file's value; undefined when absent or caught between write and rename. The files are the stand-in's own. */
export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}

export function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, (err, stdout, stderr) => (err ? reject(new Error(`${cmd} ${args.join(" ")}: ${stderr || err.message}`)) : resolve(stdout)));
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
export const sha256Of = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");

export function randomChars(n: number): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length] ?? "a").join("");
}

interface StandinConfig {
  address?: string;
  clusterStateDir?: string;
}

/** Who this host is: the harness points $KEEL_STANDIN_CONFIG at {address, hostname, clusterStateDir}. */
export const HOST = (() => {
  const file = process.env.KEEL_STANDIN_CONFIG;
  const config = (file ? readJson<StandinConfig>(file) : undefined) ?? {};
  return {
    hostname: hostname().toLowerCase(),
    address: config.address ?? "127.0.0.1",
    clusterDir: config.clusterStateDir ?? "/var/lib/k0s/.standin/cluster",
  };
})();

type Kind = keyof ClusterKinds;
const entryFile = (kind: Kind, name: string): string => join(HOST.clusterDir, kind, `${name}.json`);

/** The cluster state: one JSON file per entry, written atomically. */
export const cluster = {
  put<K extends Kind>(kind: K, name: string, value: ClusterKinds[K]): void {
    writeAtomic(entryFile(kind, name), `${JSON.stringify(value, null, 2)}\n`);
  },
  get<K extends Kind>(kind: K, name: string): ClusterKinds[K] | undefined {
    return readJson<ClusterKinds[K]>(entryFile(kind, name));
  },
  list<K extends Kind>(kind: K): ClusterKinds[K][] {
    const dir = join(HOST.clusterDir, kind);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => f.endsWith(".json"))
      .map((f) => readJson<ClusterKinds[K]>(join(dir, f)))
      .filter((v): v is ClusterKinds[K] => v !== undefined);
  },
  remove(kind: Kind, name: string): void {
    rmSync(entryFile(kind, name), { force: true });
  },
};

// A daemon heartbeats into the cluster state every second; a host that is
// killed stops beating, and its node turns NotReady like a real one would.
export const HEARTBEAT_MS = 1000;
const STALE_MS = 3500;
interface Beating {
  running: boolean;
  ready?: boolean;
  heartbeatAt?: number;
}
export const isAlive = (entry: Beating | undefined): boolean => entry?.running === true && Date.now() - (entry.heartbeatAt ?? 0) < STALE_MS;
export const isFresh = (entry: Beating | undefined): boolean => isAlive(entry) && entry?.ready === true;
