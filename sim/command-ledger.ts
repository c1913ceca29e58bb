import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { COMMAND_LEDGER_FILE, type LedgerLine as WrittenLine } from "./standin/k0s/state";

// The k0s stand-ins' own record of the commands they ran:
// `<clusterStateDir>/commands.jsonl`, a "start" line when a `k0s` command
// begins and an "exit" line when it ends (a killed command has no exit line).
// readCommandLedger joins them into one record per invocation.

export { COMMAND_LEDGER_FILE };

export interface CommandRecord {
  /** One per invocation; the start and exit lines share it. */
  id: string;
  /** The host's name (its UTS hostname). */
  host: string;
  /** The arguments after `k0s`. */
  argv: string[];
  pid: number;
  startedAt: string;
  /** null while the command runs, or when it was killed before it could record its end. */
  exitCode: number | null;
  endedAt: string | null;
}

const StartLine = z.object({ event: z.literal("start"), id: z.string(), host: z.string(), pid: z.number().int(), argv: z.array(z.string()), startedAt: z.string() });
const ExitLine = z.object({ event: z.literal("exit"), id: z.string(), exitCode: z.number().int(), endedAt: z.string() });
const LedgerLine = z.discriminatedUnion("event", [StartLine, ExitLine]);
type LedgerLine = z.infer<typeof LedgerLine>;
// The reader's schema and the stand-in's writer must agree; this fails to compile when they drift.
const _agree: [WrittenLine extends LedgerLine ? true : never, LedgerLine extends WrittenLine ? true : never] = [true, true];

function parseLine(line: string, where: string): LedgerLine {
  const parsed = LedgerLine.safeParse(JSON.parse(line));
  if (!parsed.success) throw new Error(`${where}: not a command ledger line (${parsed.error.issues.map((i) => `${i.path.join(".") || "line"}: ${i.message}`).join("; ")}): ${line}`);
  return parsed.data;
}

/** Every k0s command the stand-ins of the cluster whose state is in `clusterStateDir` ran, in start order. */
export function readCommandLedger(clusterStateDir: string): CommandRecord[] {
  const file = join(clusterStateDir, COMMAND_LEDGER_FILE);
  if (!existsSync(file)) return [];
  const records = new Map<string, CommandRecord>();
  const exits = new Map<string, Extract<LedgerLine, { event: "exit" }>>();
  readFileSync(file, "utf8").split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const entry = parseLine(line, `${file}:${i + 1}`);
    if (entry.event === "exit") exits.set(entry.id, entry);
    else records.set(entry.id, { id: entry.id, host: entry.host, argv: entry.argv, pid: entry.pid, startedAt: entry.startedAt, exitCode: null, endedAt: null });
  });
  for (const [id, exit] of exits) {
    const record = records.get(id);
    if (record) Object.assign(record, { exitCode: exit.exitCode, endedAt: exit.endedAt });
  }
  return [...records.values()];
}

/**
 * Commands that must not run twice on a host: a second install, token, restore
 * or reset changes what the first one did. The crash tests count these.
 */
export function isNonRepeatable(argv: readonly string[]): boolean {
  const [verb, sub] = argv;
  return verb === "install" || verb === "restore" || verb === "reset" || (verb === "token" && sub === "create");
}

/** How many times each host started a command whose argv begins with `prefix`. */
export function countByHost(records: readonly CommandRecord[], prefix: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of records) {
    if (prefix.every((word, i) => r.argv[i] === word)) counts[r.host] = (counts[r.host] ?? 0) + 1;
  }
  return counts;
}
