import type { CommandRecord } from "../../sim/harness";

/**
 * What the crash tests count in the k0s stand-in's own ledger of commands
 * (readCommandLedger): it is written on the hosts, so it sees what really
 * ran, whatever the relay's journal or the API believe. A command counts
 * once it started, even if a crash killed it.
 */

/**
 * `k0s install …` and `k0s token create …` as "<host>: <command>"; null for
 * anything else. A token is created on the leader for each joiner, so
 * `--role` tells the joiners' kinds apart.
 */
export function nonRepeatable(record: CommandRecord): string | null {
  const [verb, sub] = record.argv;
  if (verb === "install") return `${record.host}: k0s install ${sub ?? ""}`;
  if (verb === "token" && sub === "create") return `${record.host}: k0s token create ${record.argv.find((a) => a.startsWith("--role")) ?? ""}`;
  return null;
}

/** How often each non-repeatable command started, e.g. `{"k2: k0s install controller": 1}`. */
export function nonRepeatableCounts(records: readonly CommandRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of records) {
    const key = nonRepeatable(r);
    if (key !== null) counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/**
 * How often each non-repeatable command ran to success (exit 0). A command
 * the relay's death hung up on (exit 129, or no exit line) changed nothing
 * that counts, so running it again is right; one that succeeded must not run
 * again.
 */
export function succeededCounts(records: readonly CommandRecord[]): Record<string, number> {
  return nonRepeatableCounts(records.filter((r) => r.exitCode === 0));
}

/** Non-repeatable commands that ended other than by succeeding or by being hung up on, as "<key> exit <code>". */
export function failedNonRepeatable(records: readonly CommandRecord[]): string[] {
  return records.filter((r) => nonRepeatable(r) !== null && r.exitCode !== 0 && r.exitCode !== null && r.exitCode !== 129).map((r) => `${nonRepeatable(r)} exit ${r.exitCode}`);
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
