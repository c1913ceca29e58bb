import { and, eq, gt, gte, lt, lte, or, sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { auditLog } from "../../../schema/tables";
import type { AuditCursor, AuditFilters } from "../../../schema/audit-api";

export type AuditOrder = "newest" | "oldest";

const t = auditLog;

/**
 * The filters that have an index of their own, in the order a lookup picks
 * one: it walks the index of the first filter given, in (at, seq) order, and
 * tests the others as it goes. Each index also holds the columns of the
 * filters after its own (audit_cluster_at ends in actor, action, outcome), so
 * those tests read the index, not the rows. The others are written
 * `+column = ?`, which SQLite cannot answer from an index of their own, so
 * the plan never depends on SQLite's guess about which index is best (D1
 * keeps no statistics unless someone runs ANALYZE). ADR 0011 has the plans.
 */
const INDEXED: readonly [keyof AuditFilters, SQLiteColumn][] = [
  ["run", t.target],
  ["cluster", t.cluster],
  ["actor", t.actor],
  ["action", t.action],
  ["outcome", t.outcome],
];

/**
 * WHERE for a lookup or an export: the filters, the time range, where the
 * previous page stopped (`after`, in `order`), and for exports the head seq
 * the export started at.
 */
export function auditWhere(filters: AuditFilters, order: AuditOrder, after?: AuditCursor, upToSeq?: number): SQL | undefined {
  const conditions: (SQL | undefined)[] = [];
  let walked = false;
  for (const [name, column] of INDEXED) {
    const value = filters[name];
    if (typeof value !== "string") continue;
    conditions.push(walked ? sql`+${column} = ${value}` : eq(column, value));
    walked = true;
  }
  if (filters.since !== undefined) conditions.push(gte(t.at, filters.since));
  if (filters.until !== undefined) conditions.push(lte(t.at, filters.until));
  if (after) {
    // (at, seq) past the cursor, written so that `at` stays an index range and seq never is (`+seq`).
    conditions.push(
      order === "newest"
        ? and(lte(t.at, after.at), or(lt(t.at, after.at), sql`+${t.seq} < ${after.seq}`))
        : and(gte(t.at, after.at), or(gt(t.at, after.at), sql`+${t.seq} > ${after.seq}`)),
    );
  }
  if (upToSeq !== undefined) conditions.push(sql`+${t.seq} <= ${upToSeq}`);
  return and(...conditions);
}

/** The order the (column, at) indexes hold rows in: by time, and by seq within a millisecond (the rowid every index ends with). */
export function auditOrderBy(order: AuditOrder): SQL[] {
  return order === "newest" ? [sql`${t.at} desc`, sql`${t.seq} desc`] : [sql`${t.at} asc`, sql`${t.seq} asc`];
}
