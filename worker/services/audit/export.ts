import { desc } from "drizzle-orm";
import type { AuditCursor, AuditExportFormat, AuditFilters } from "../../../schema/audit-api";
import { csvHeader, csvRow, ndjsonLine } from "../../../schema/audit-export";
import { auditLog } from "../../../schema/tables";
import { openDb } from "../../core/db";
import { auditOrderBy, auditWhere } from "./audit-where";

/**
 * Rows per D1 query while streaming. A Worker invocation may make 1,000 D1
 * queries (Paid), so one export covers up to ~2M entries; larger histories
 * export by time range. 2,000 rows of a few hundred bytes stay far below
 * D1's result and the Worker's memory limits.
 */
export const EXPORT_CHUNK_ROWS = 2000;

/**
 * The filtered history, oldest first, as NDJSON or CSV, read from D1 one
 * chunk at a time as the client reads. It stops at the head the export
 * started at, so an export is a snapshot even while entries are appended.
 */
export async function exportAudit(d1: D1Database, filters: AuditFilters, format: AuditExportFormat): Promise<ReadableStream<Uint8Array>> {
  const db = openDb(d1);
  const head = await db.select({ seq: auditLog.seq }).from(auditLog).orderBy(desc(auditLog.seq)).limit(1).get();
  const upToSeq = head?.seq ?? 0;
  const encoder = new TextEncoder();
  const line = format === "csv" ? csvRow : ndjsonLine;
  let after: AuditCursor | undefined;
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let text = "";
      if (!started && format === "csv") text += csvHeader();
      started = true;
      const rows = await db
        .select()
        .from(auditLog)
        .where(auditWhere(filters, "oldest", after, upToSeq))
        .orderBy(...auditOrderBy("oldest"))
        .limit(EXPORT_CHUNK_ROWS)
        .all();
      for (const row of rows) text += line({ ...row, details: row.details ?? null });
      const last = rows.at(-1);
      if (last) after = { at: last.at, seq: last.seq };
      if (text !== "") controller.enqueue(encoder.encode(text));
      if (rows.length < EXPORT_CHUNK_ROWS) controller.close();
    },
  });
}
