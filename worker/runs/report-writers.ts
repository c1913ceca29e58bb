import type { BatchItem } from "drizzle-orm/batch";
import { and, eq, inArray, ne } from "drizzle-orm";
import { backups } from "../../schema/tables";
import type { RunReport, StepReport, StepReportKind } from "../../schema/step-reports";
import type { Db } from "../core/db";
import type { RunState } from "./run-state";

type Writer<K extends StepReportKind> = (db: Db, state: RunState, kept: RunReport & { report: Extract<StepReport, { kind: K }> }) => BatchItem<"sqlite">[];

/**
 * Where each kind of step report is stored when the run's mirror is written:
 * one writer per kind (the `satisfies` fails to compile when a kind has none).
 * Writes must be idempotent (upserts keyed by run, host and what was found):
 * a mirror batch may be written twice.
 */
const WRITERS = {
  // Stored by the certificate inventory (issue 7); until then a report is kept in the run's state only.
  certificates: () => [],
  backup: (db, state, { host, report }) => [
    db
      .insert(backups)
      .values({
        id: report.id,
        cluster: state.cluster,
        revision: state.revision,
        host: report.host || host,
        k0sVersion: report.k0sVersion,
        size: report.size,
        sha256: report.sha256,
        contents: report.contents,
        status: report.status,
        error: report.error ?? null,
        runId: state.id,
        createdAt: report.createdAt,
      })
      .onConflictDoNothing({ target: backups.id }),
    // The relay deleted these from its store; the time is the new backup's, so a second write changes nothing.
    ...(report.pruned.length > 0
      ? [db.update(backups).set({ status: "deleted" as const, deletedAt: report.createdAt }).where(and(eq(backups.cluster, state.cluster), inArray(backups.id, report.pruned), ne(backups.status, "deleted")))]
      : []),
  ],
} satisfies { [K in StepReportKind]: Writer<K> };

export function writeReport(db: Db, state: RunState, kept: RunReport): BatchItem<"sqlite">[] {
  const writer = WRITERS[kept.report.kind] as Writer<typeof kept.report.kind>;
  return writer(db, state, kept as never);
}
