// The relay's SSH work as bench/ssh-trace.mjs records it, and the barriers
// in it: the moments when no host had any SSH operation in flight.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";

const Base = { host: z.string(), t0: z.number(), t1: z.number() };
export const TraceEvent = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("connect"), ...Base }),
  z.object({ kind: z.literal("end"), ...Base }),
  z.object({ kind: z.literal("exec"), ...Base, command: z.string(), stdin: z.string(), stdout: z.string(), exitCode: z.number().nullable() }),
  z.object({ kind: z.literal("sftp"), ...Base, session: z.string() }),
  z.object({ kind: z.literal("sftp-end"), ...Base, session: z.string() }),
  z.object({ kind: z.literal("mkdir"), ...Base, session: z.string(), path: z.string(), mode: z.number() }),
  z.object({ kind: z.literal("put"), ...Base, session: z.string(), path: z.string(), mode: z.number(), size: z.number(), blob: z.string() }),
]);
export type TraceEvent = z.infer<typeof TraceEvent>;

export async function readTrace(dir: string): Promise<TraceEvent[]> {
  const text = await readFile(join(dir, "trace.jsonl"), "utf8").catch(() => "");
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => TraceEvent.parse(JSON.parse(l)))
    .sort((a, b) => a.t0 - b.t0);
}

/**
 * Splits the events where nothing was in flight on any host: keel's
 * barriers (a phase or batch waiting for the API). Within a group the order
 * on each host is kept; groups run one after the other.
 */
export function barrierGroups(events: readonly TraceEvent[]): TraceEvent[][] {
  const groups: TraceEvent[][] = [];
  let busyUntil = -Infinity;
  for (const e of [...events].sort((a, b) => a.t0 - b.t0)) {
    if (e.t0 > busyUntil || groups.length === 0) groups.push([]);
    groups[groups.length - 1]?.push(e);
    busyUntil = Math.max(busyUntil, e.t1);
  }
  return groups;
}

/** Wall time with no SSH operation in flight on any host, between the first start and the last end. */
export function idleMs(events: readonly TraceEvent[]): number {
  let idle = 0;
  let busyUntil = Number.NaN;
  for (const e of [...events].sort((a, b) => a.t0 - b.t0)) {
    if (e.t0 > busyUntil) idle += e.t0 - busyUntil;
    busyUntil = Number.isNaN(busyUntil) ? e.t1 : Math.max(busyUntil, e.t1);
  }
  return idle;
}

export const execCount = (events: readonly TraceEvent[]) => events.filter((e) => e.kind === "exec").length;
export const sftpCount = (events: readonly TraceEvent[]) => events.filter((e) => e.kind === "sftp").length;
export const putBytes = (events: readonly TraceEvent[]) => events.reduce((n, e) => n + (e.kind === "put" ? e.size : 0), 0);
