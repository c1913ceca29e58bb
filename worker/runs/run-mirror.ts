import { eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { clusters, runEvents, runSteps, runs } from "../../schema/tables";
import type { Db } from "../core/db";
import { appendAuditWith } from "../core/audit-append";
import { writeReport } from "./report-writers";
import type { RunState } from "./run-state";

// D1 allows 100 bound parameters per statement: multi-row statements go in chunks.
const ROWS_PER_INSERT = 6;

/**
 * Writes what the run's outbox owes D1, computed from the state: the run row,
 * every changed step row, the new events and, at the end, the cluster row and
 * the audit entries, in one batch (with the first audit entry, so a run's
 * ending and its audit land together). Every write is an upsert or an
 * insert-once, so writing the same outbox twice (a batch that failed, or one
 * that succeeded just before this object restarted) leaves one copy.
 */
export async function writeMirror(db: Db, d1: D1Database, state: RunState): Promise<void> {
  const [first, ...moreAudit] = state.outbox.audit;
  const writes = (): BatchItem<"sqlite">[] => mirrorWrites(db, state);
  if (first) {
    await appendAuditWith(d1, { ...first, cluster: state.cluster, target: state.id }, writes);
  } else {
    const [head, ...rest] = writes();
    if (head) await db.batch([head, ...rest]);
  }
  for (const entry of moreAudit) await appendAuditWith(d1, { ...entry, cluster: state.cluster, target: state.id }, () => []);
}

export function hasMirrorWork(state: RunState): boolean {
  const o = state.outbox;
  return o.run || o.plan || o.events.length > 0 || o.audit.length > 0 || o.reports.length > 0 || o.cluster !== null || Object.keys(o.steps).length > 0;
}

function mirrorWrites(db: Db, state: RunState): BatchItem<"sqlite">[] {
  const o = state.outbox;
  const items: BatchItem<"sqlite">[] = [];
  if (o.run || o.plan) {
    const row = { status: state.status, error: state.error, startedAt: state.startedAt, finishedAt: state.finishedAt };
    items.push(
      db
        .insert(runs)
        .values({ id: state.id, cluster: state.cluster, operation: state.operation, revision: state.revision, plan: state.plan, requestedBy: state.requestedBy, createdAt: state.createdAt, ...row })
        .onConflictDoUpdate({ target: runs.id, set: o.plan ? { ...row, plan: state.plan } : row }),
    );
  }
  const stepRows = Object.entries(o.steps).flatMap(([id, output]) => {
    const st = state.steps[id];
    if (!st) return [];
    const phase = state.plan.phases[st.phase];
    const kind = phase?.steps.find((step) => step.id === id)?.kind ?? "unknown";
    const base = { runId: state.id, stepId: id, phase: phase?.name ?? "", kind, host: st.host, status: st.status, error: st.error, startedAt: st.dispatchedAt, finishedAt: st.finishedAt };
    return [{ row: { ...base, exitCode: output?.exitCode ?? null, stdout: output?.stdout ?? null, stderr: output?.stderr ?? null, command: output?.command ?? null }, withOutput: output !== null }];
  });
  const state_ = { status: sql`excluded.status`, error: sql`excluded.error`, startedAt: sql`excluded.started_at`, finishedAt: sql`excluded.finished_at` };
  const output = { exitCode: sql`excluded.exit_code`, stdout: sql`excluded.stdout`, stderr: sql`excluded.stderr`, command: sql`excluded.command` };
  // A row without output (only its status changed) must not wipe the output an earlier write stored.
  for (const withOutput of [true, false]) {
    const rows = stepRows.filter((r) => r.withOutput === withOutput).map((r) => r.row);
    for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
      items.push(
        db
          .insert(runSteps)
          .values(rows.slice(i, i + ROWS_PER_INSERT))
          .onConflictDoUpdate({ target: [runSteps.runId, runSteps.stepId], set: withOutput ? { ...state_, ...output } : state_ }),
      );
    }
  }
  const events = o.events.map((e) => ({ runId: state.id, seq: e.seq, at: e.at, level: e.level, type: e.type, phase: e.phase, host: e.host, message: e.message }));
  for (let i = 0; i < events.length; i += ROWS_PER_INSERT) {
    items.push(db.insert(runEvents).values(events.slice(i, i + ROWS_PER_INSERT)).onConflictDoNothing({ target: [runEvents.runId, runEvents.seq] }));
  }
  for (const kept of o.reports) items.push(...writeReport(db, state, kept));
  if (o.cluster) {
    const { facts, applied } = o.cluster;
    items.push(
      db
        .update(clusters)
        .set({ ...(facts ? { facts } : {}), ...(applied ? { appliedRevision: applied.revision } : {}) })
        .where(eq(clusters.name, state.cluster)),
    );
  }
  return items;
}
