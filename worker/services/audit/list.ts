import { encodeCursor } from "../../../schema/api";
import type { AuditCursor, AuditFilters, AuditPage } from "../../../schema/audit-api";
import { auditLog } from "../../../schema/tables";
import { openDb, type Db } from "../../core/db";
import { auditOrderBy, auditWhere } from "./audit-where";

export interface ListAuditInput extends AuditFilters {
  limit: number;
  cursor?: AuditCursor;
}

/**
 * One page of the audit history, newest first, paged by position (at, seq)
 * rather than offset: entries appended while someone pages land before the
 * first page, so later pages neither repeat nor skip an entry.
 */
export async function listAudit(d1: D1Database, input: ListAuditInput): Promise<AuditPage> {
  const rows = await auditPageQuery(openDb(d1), input).all();
  const entries = rows.slice(0, input.limit).map((r) => ({ ...r, details: r.details ?? null }));
  const last = entries.at(-1);
  return { entries, nextCursor: rows.length > input.limit && last ? encodeCursor({ at: last.at, seq: last.seq }) : null };
}

/** The page's query, one row past the limit (to know whether another page follows); bench/audit-lookup.ts times its SQL alone. */
export function auditPageQuery(db: Db, input: ListAuditInput) {
  return db
    .select()
    .from(auditLog)
    .where(auditWhere(input, "newest", input.cursor))
    .orderBy(...auditOrderBy("newest"))
    .limit(input.limit + 1);
}
