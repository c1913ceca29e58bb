import { and, asc, eq, inArray } from "drizzle-orm";
import { runEvents, runs } from "../../schema/tables";
import { openDb } from "../core/db";
import type { PhaseOutcome } from "./run-message";

/** A finished-phase event's outcome, from its level and wording (run-progress.ts writes them). */
export function phaseOutcome(event: { type: string; level: string; phase: string | null; message: string }): PhaseOutcome {
  const name = event.phase ?? "";
  if (event.type === "phase.skipped") return { name, outcome: "skipped", message: event.message };
  if (event.level === "error") return { name, outcome: "failed", message: event.message };
  return { name, outcome: event.level === "warn" ? "warned" : "succeeded", message: event.message };
}

/** A finished run as its D1 mirror has it (the hook runs after the mirror write): status, error and each phase's outcome. */
export async function readRunOutcome(d1: D1Database, runId: string) {
  const db = openDb(d1);
  const run = await db.select({ status: runs.status, error: runs.error, startedAt: runs.startedAt, createdAt: runs.createdAt, finishedAt: runs.finishedAt }).from(runs).where(eq(runs.id, runId)).get();
  const events = await db
    .select({ type: runEvents.type, level: runEvents.level, phase: runEvents.phase, message: runEvents.message })
    .from(runEvents)
    .where(and(eq(runEvents.runId, runId), inArray(runEvents.type, ["phase.finished", "phase.skipped"])))
    .orderBy(asc(runEvents.seq))
    .all();
  const phases = events.map(phaseOutcome);
  const began = run?.startedAt ?? run?.createdAt ?? null;
  return { status: run?.status ?? "unknown", error: run?.error ?? null, phases, tookMs: run?.finishedAt && began ? run.finishedAt - began : null };
}
