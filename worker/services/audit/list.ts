import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import { auditLog } from "../../../schema/tables";
import type { AuditPage } from "../../../schema/api";
import { openDb } from "../../core/db";

export interface ListAuditInput {
  cluster?: string;
  limit: number;
  before?: number;
}

/** Newest first, paged by seq (stable under concurrent appends, unlike offsets). */
export async function listAudit(d1: D1Database, input: ListAuditInput): Promise<AuditPage> {
  const filters: SQL[] = [];
  if (input.cluster !== undefined) filters.push(eq(auditLog.cluster, input.cluster));
  if (input.before !== undefined) filters.push(lt(auditLog.seq, input.before));
  const rows = await openDb(d1)
    .select()
    .from(auditLog)
    .where(and(...filters))
    .orderBy(desc(auditLog.seq))
    .limit(input.limit + 1)
    .all();
  const entries = rows.slice(0, input.limit).map((r) => ({ ...r, details: r.details ?? null }));
  const last = entries.at(-1);
  return { entries, nextBefore: rows.length > input.limit && last ? last.seq : null };
}
