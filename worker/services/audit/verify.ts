import { asc, gt } from "drizzle-orm";
import { auditLog } from "../../../schema/tables";
import type { AuditVerifyResult } from "../../../schema/api";
import { openDb } from "../../core/db";
import { GENESIS_HASH, entryHash } from "../../../schema/audit-hash";

const PAGE = 500;

/**
 * Walks the chain from seq 1 and reports the first entry that does not fit:
 * a gap or reordering in seq, a prevHash that is not the previous hash, or a
 * hash that does not match the entry's content. Truncating the newest entries
 * cannot be seen from inside the chain; compare `head` with a copy kept elsewhere.
 */
export async function verifyAudit(d1: D1Database): Promise<AuditVerifyResult> {
  const db = openDb(d1);
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let checked = 0;
  for (;;) {
    const rows = await db.select().from(auditLog).where(gt(auditLog.seq, expectedSeq - 1)).orderBy(asc(auditLog.seq)).limit(PAGE).all();
    for (const row of rows) {
      const broken = (reason: string): AuditVerifyResult => ({ ok: false, entries: checked, brokenAt: row.seq, reason });
      if (row.seq !== expectedSeq) return { ok: false, entries: checked, brokenAt: expectedSeq, reason: `entry ${expectedSeq} is missing` };
      if (row.prevHash !== prevHash) return broken("prevHash does not match the previous entry's hash");
      const hash = await entryHash(prevHash, { ...row, details: row.details ?? null });
      if (hash !== row.hash) return broken("hash does not match the entry's content");
      prevHash = row.hash;
      expectedSeq++;
      checked++;
    }
    if (rows.length < PAGE) break;
  }
  return { ok: true, entries: checked, head: checked === 0 ? null : { seq: expectedSeq - 1, hash: prevHash } };
}
