import { and, asc, eq, gt } from "drizzle-orm";
import { FINISHED_RUN_STATUSES, type RunStreamEnd } from "../../../schema/run-api";
import { runEvents, runs } from "../../../schema/tables";
import { openDb, type Db } from "../../core/db";
import { KeelError } from "../../../schema/errors";

const POLL_MS = 300;
const PAGE = 500;
// A comment line now and then keeps proxies from closing a quiet stream.
const KEEPALIVE_MS = 15_000;
const FINISHED = FINISHED_RUN_STATUSES;

/**
 * A run's events as Server-Sent Events, from `after` on, until the run ends
 * (then `event: end` with its status). Polls D1 rather than holding any state
 * in an object, so it survives hibernation and needs no fan-out.
 */
export async function followRunEvents(d1: D1Database, id: string, after: number): Promise<ReadableStream<Uint8Array>> {
  const db = openDb(d1);
  if (!(await runStatus(db, id))) throw new KeelError("not_found", `run ${id} not found`);
  const encoder = new TextEncoder();
  let cursor = after;
  let stopped = false;
  let lastWrite = Date.now();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        if (stopped) return;
        // Read the status before the events: events written before the run ended are then never missed.
        const run = await runStatus(db, id);
        const rows = await db
          .select({ id: runEvents.id, at: runEvents.at, level: runEvents.level, type: runEvents.type, phase: runEvents.phase, host: runEvents.host, message: runEvents.message })
          .from(runEvents)
          .where(and(eq(runEvents.runId, id), gt(runEvents.id, cursor)))
          .orderBy(asc(runEvents.id))
          .limit(PAGE)
          .all();
        if (rows.length > 0) {
          cursor = rows[rows.length - 1]?.id ?? cursor;
          controller.enqueue(encoder.encode(rows.map((e) => `id: ${e.id}\nevent: run-event\ndata: ${JSON.stringify(e)}\n\n`).join("")));
          lastWrite = Date.now();
          return;
        }
        if (!run || FINISHED.has(run.status)) {
          const durationMs = run?.startedAt != null && run.finishedAt != null ? run.finishedAt - run.startedAt : null;
          const end: RunStreamEnd = { status: run?.status ?? "failed", error: run?.error ?? null, durationMs };
          controller.enqueue(encoder.encode(`event: end\ndata: ${JSON.stringify(end)}\n\n`));
          controller.close();
          return;
        }
        if (Date.now() - lastWrite >= KEEPALIVE_MS) {
          controller.enqueue(encoder.encode(": keepalive\n\n"));
          lastWrite = Date.now();
          return;
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    },
    cancel() {
      stopped = true;
    },
  });
}

async function runStatus(db: Db, id: string) {
  return db.select({ status: runs.status, error: runs.error, startedAt: runs.startedAt, finishedAt: runs.finishedAt }).from(runs).where(eq(runs.id, id)).get();
}
