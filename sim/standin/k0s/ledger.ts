import { randomUUID } from "node:crypto";
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { HOST } from "./host";
import { COMMAND_LEDGER_FILE, type LedgerLine } from "./state";

// <clusterStateDir>/commands.jsonl: every invocation appends a "start" line
// before it does anything and an "exit" line when it ends (a killed command
// leaves only its start). Tests count starts to prove that commands which
// must not repeat (install, token create, restore, reset) ran once per host.
// Each line is one write() on an O_APPEND descriptor, so lines of hosts that
// run at the same time never interleave.

function append(line: LedgerLine): void {
  try {
    mkdirSync(HOST.clusterDir, { recursive: true });
    appendFileSync(join(HOST.clusterDir, COMMAND_LEDGER_FILE), `${JSON.stringify(line)}\n`, { flag: "a" });
  } catch {
    // the ledger is the tests' record; k0s itself must not fail over it
  }
}

/** Records this invocation's start now and its exit when the process ends. */
export function recordInvocation(argv: string[]): void {
  const id = randomUUID();
  append({ event: "start", id, host: HOST.hostname, pid: process.pid, argv, startedAt: new Date().toISOString() });
  process.on("exit", (code) => append({ event: "exit", id, exitCode: code, endedAt: new Date().toISOString() }));
  // An ssh session that goes away hangs up on its commands: record that ending too.
  process.on("SIGHUP", () => process.exit(129));
}
