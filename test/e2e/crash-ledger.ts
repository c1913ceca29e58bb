import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The k0s stand-in's own record of the commands it ran: `commands.jsonl` in
 * the cluster state folder, one JSON line per invocation. It is written on the
 * hosts, so it sees what really ran, whatever the relay's journal or the API
 * believe.
 */

export interface LedgerEntry {
  /** The host's name (its UTS hostname). */
  host: string;
  /** The arguments after `k0s`. */
  argv: string[];
  exitCode: number;
}

export function readCommandLedger(clusterStateDir: string): LedgerEntry[] {
  const file = join(clusterStateDir, "commands.jsonl");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as LedgerEntry);
}

/**
 * The commands that must never run twice on one host for one install:
 * `k0s install …` and `k0s token create …` (each join token is a credential
 * the cluster accepts until it is used or expires). A token is created on the
 * leader for each joiner; `--role` tells the joiners' kinds apart.
 */
export function nonRepeatable(entry: LedgerEntry): string | null {
  const [verb, sub] = entry.argv;
  if (verb === "install") return `${entry.host}: k0s install ${sub ?? ""}`;
  if (verb === "token" && sub === "create") return `${entry.host}: k0s token create ${entry.argv.find((a) => a.startsWith("--role")) ?? ""}`;
  return null;
}

/** How often each non-repeatable command ran, e.g. `{"k2: k0s install controller": 1}`. */
export function nonRepeatableCounts(entries: LedgerEntry[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of entries) {
    const key = nonRepeatable(e);
    if (key !== null) counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** Every non-repeatable k0s command of seed 3.2's install (hosts k1-k5), and how often it must run. */
export const SEED_32_ONCE_EACH: Readonly<Record<string, number>> = {
  "k1: k0s install controller": 1,
  "k2: k0s install controller": 1,
  "k3: k0s install controller": 1,
  "k4: k0s install worker": 1,
  "k5: k0s install worker": 1,
  // On the leader, one token per joiner: two controllers, two workers.
  "k1: k0s token create --role=controller": 2,
  "k1: k0s token create --role=worker": 2,
};

/** The commands that ran more often than `allowed` says they may, with their counts. */
export function repeatedCommands(counts: Record<string, number>, allowed: Readonly<Record<string, number>> = SEED_32_ONCE_EACH): string[] {
  return Object.entries(counts)
    .filter(([key, n]) => n > (allowed[key] ?? 0))
    .map(([key, n]) => `${key} ×${n}`);
}
