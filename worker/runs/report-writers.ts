import { and, eq, inArray, lt, ne, or, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { backups } from "../../schema/tables";
import type { RunReport, StepReport, StepReportKind } from "../../schema/step-reports";
import { certificates } from "../../schema/tables";
import type { Db } from "../core/db";
import type { RunState } from "./run-state";

type Writer<K extends StepReportKind> = (db: Db, state: RunState, kept: RunReport & { report: Extract<StepReport, { kind: K }> }) => BatchItem<"sqlite">[];

// D1 allows 100 bound parameters per statement; a certificate row has 12.
const CERTIFICATE_ROWS_PER_INSERT = 8;
const sqlExcluded = (column: string) => sql.raw(`excluded.${column}`);

/**
 * A host's certificates as this report found them replace what D1 had for
 * that host: rows are upserted by (cluster, host, path), then the rows no
 * newer report wrote are deleted (another run's, or an earlier step's of this
 * run, e.g. the inventory before a renewal's check). Writing the same report
 * twice leaves the same rows.
 */
const writeCertificates: Writer<"certificates"> = (db, state, kept) => {
  const observedAt = state.steps[kept.stepId]?.finishedAt ?? state.createdAt;
  const rows = kept.report.certificates.map((c) => ({ cluster: state.cluster, host: kept.host, ...c, runId: state.id, observedAt }));
  const items: BatchItem<"sqlite">[] = [];
  for (let i = 0; i < rows.length; i += CERTIFICATE_ROWS_PER_INSERT) {
    items.push(
      db
        .insert(certificates)
        .values(rows.slice(i, i + CERTIFICATE_ROWS_PER_INSERT))
        .onConflictDoUpdate({
          target: [certificates.cluster, certificates.host, certificates.path],
          set: {
            subject: sqlExcluded("subject"),
            issuer: sqlExcluded("issuer"),
            sans: sqlExcluded("sans"),
            notBefore: sqlExcluded("not_before"),
            notAfter: sqlExcluded("not_after"),
            isCA: sqlExcluded("is_ca"),
            fingerprint: sqlExcluded("fingerprint"),
            runId: sqlExcluded("run_id"),
            observedAt: sqlExcluded("observed_at"),
          },
        }),
    );
  }
  items.push(
    db
      .delete(certificates)
      .where(and(eq(certificates.cluster, state.cluster), eq(certificates.host, kept.host), or(ne(certificates.runId, state.id), lt(certificates.observedAt, observedAt)))),
  );
  return items;
};

/**
 * Where each kind of step report is stored when the run's mirror is written:
 * one writer per kind (the `satisfies` fails to compile when a kind has none).
 * Writes must be idempotent (upserts keyed by run, host and what was found):
 * a mirror batch may be written twice.
 */
const WRITERS = {
  certificates: writeCertificates,
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
