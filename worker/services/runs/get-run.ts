import { asc, eq } from "drizzle-orm";
import { z } from "zod";
import type { RunHostView, RunPhaseView, RunView } from "../../../schema/run-api";
import { runSteps, runs } from "../../../schema/tables";
import { openDb } from "../../core/db";
import { KeelError } from "../../../schema/errors";

// Only what the view needs from the stored plan: phase names and step order.
const StoredPlan = z.object({ phases: z.array(z.object({ name: z.string(), steps: z.array(z.object({ id: z.string() })) })) });

type StepRow = typeof runSteps.$inferSelect;

/** A run as its readers see it: phases in plan order, each host's step status, timings and errors. */
export async function getRun(d1: D1Database, id: string): Promise<RunView> {
  const db = openDb(d1);
  const run = await db.select().from(runs).where(eq(runs.id, id)).get();
  if (!run) throw new KeelError("not_found", `run ${id} not found`);
  const rows = await db.select().from(runSteps).where(eq(runSteps.runId, id)).orderBy(asc(runSteps.stepId)).all();
  const byId = new Map(rows.map((r) => [r.stepId, r]));

  const plan = StoredPlan.safeParse(run.plan);
  const order = plan.success ? plan.data.phases.map((p) => ({ name: p.name, ids: p.steps.map((s) => s.id) })) : groupByPhase(rows);
  const phases = order.map(({ name, ids }) => phaseView(name, ids.map((i) => byId.get(i)).filter((r): r is StepRow => r !== undefined)));

  return {
    id: run.id,
    cluster: run.cluster,
    operation: run.operation,
    status: run.status,
    revision: run.revision,
    requestedBy: run.requestedBy,
    createdAt: run.createdAt,
    error: run.error,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    durationMs: span(run.startedAt, run.finishedAt),
    phases,
  };
}

function phaseView(name: string, rows: StepRow[]): RunPhaseView {
  const starts = rows.map((r) => r.startedAt).filter((t): t is number => t !== null);
  const done = rows.every((r) => r.finishedAt !== null || r.status === "skipped");
  const ends = rows.map((r) => r.finishedAt).filter((t): t is number => t !== null);
  const startedAt = starts.length > 0 ? Math.min(...starts) : null;
  const finishedAt = done && ends.length > 0 ? Math.max(...ends) : null;
  return { name, status: phaseStatus(rows), startedAt, finishedAt, durationMs: span(startedAt, finishedAt), hosts: rows.map(hostView) };
}

function hostView(r: StepRow): RunHostView {
  return {
    host: r.host,
    stepId: r.stepId,
    kind: r.kind,
    status: r.status,
    exitCode: r.exitCode,
    error: r.error,
    stderr: r.status === "failed" ? r.stderr : null,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    durationMs: span(r.startedAt, r.finishedAt),
  };
}

function phaseStatus(rows: StepRow[]): RunPhaseView["status"] {
  const has = (s: StepRow["status"]) => rows.some((r) => r.status === s);
  if (rows.length > 0 && rows.every((r) => r.status === "skipped")) return "skipped";
  if (has("running")) return "running";
  if (has("failed")) return "failed";
  if (has("cancelled")) return "cancelled";
  if (has("pending")) return has("succeeded") ? "running" : "pending";
  return "succeeded";
}

/** For plans stored in a shape this version no longer reads: phases in first-seen order. */
function groupByPhase(rows: StepRow[]): { name: string; ids: string[] }[] {
  const phases = new Map<string, string[]>();
  for (const r of rows) phases.set(r.phase, [...(phases.get(r.phase) ?? []), r.stepId]);
  return [...phases].map(([name, ids]) => ({ name, ids }));
}

function span(from: number | null, to: number | null): number | null {
  return from !== null && to !== null ? to - from : null;
}
