import { desc } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { auditLog } from "../../schema/tables";
import type { AuditOutcome } from "../../schema/api";
import { openDb, type Db } from "./db";
import { uniqueViolation } from "./db-errors";
import { GENESIS_HASH, entryHash } from "../../schema/audit-hash";

export interface AuditInput {
  actor: string;
  action: string;
  cluster?: string | null;
  target?: string | null;
  outcome: AuditOutcome;
  /** Never secrets, never request bodies: counts, names, revisions. */
  details?: Record<string, unknown>;
}

type Write = BatchItem<"sqlite">;

/**
 * How long an append keeps retrying a lost race for the head. Each lost race
 * means another entry was written, so contention only delays, never starves,
 * as long as the bound is generous: the wait doubles from BACKOFF_BASE_MS up
 * to BACKOFF_CAP_MS, full jitter, so concurrent writers spread out instead of
 * colliding again in lockstep.
 */
const MAX_WAIT_MS = 20_000;
const BACKOFF_BASE_MS = 4;
const BACKOFF_CAP_MS = 250;

/** Appends one entry to the hash chain. */
export async function appendAudit(d1: D1Database, entry: AuditInput): Promise<void> {
  await appendAuditWith(d1, entry, () => []);
}

/**
 * Appends an entry and runs `writes` in the same D1 batch (one transaction),
 * so a mutation and its audit entry land together or not at all. Returns the
 * results of `writes`, in order.
 *
 * D1 has no interactive transactions, so the chain is kept linear by
 * optimistic concurrency: read the head, insert seq+1 — seq is the primary
 * key, so if another writer took seq+1 the whole batch fails and we retry on
 * the new head (with backoff, see MAX_WAIT_MS). `writes` is called again on
 * each attempt.
 */
export async function appendAuditWith(d1: D1Database, entry: AuditInput, writes: (db: Db) => Write[]): Promise<unknown[]> {
  const db = openDb(d1);
  // Store exactly what a later JSON.parse will give back, so verify hashes the same value.
  const details = entry.details === undefined ? null : (JSON.parse(JSON.stringify(entry.details)) as Record<string, unknown>);
  const giveUpAt = Date.now() + MAX_WAIT_MS;
  for (let attempt = 1; ; attempt++) {
    const head = await db.select({ seq: auditLog.seq, hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.seq)).limit(1).get();
    const row = {
      seq: (head?.seq ?? 0) + 1,
      at: Date.now(),
      actor: entry.actor,
      action: entry.action,
      cluster: entry.cluster ?? null,
      target: entry.target ?? null,
      outcome: entry.outcome,
      details,
    };
    const prevHash = head?.hash ?? GENESIS_HASH;
    const hash = await entryHash(prevHash, row);
    try {
      const results = await db.batch([db.insert(auditLog).values({ ...row, prevHash, hash }), ...writes(db)]);
      return results.slice(1);
    } catch (err) {
      if (uniqueViolation(err) !== "audit_log.seq" || Date.now() >= giveUpAt) throw err;
      // Another writer took this seq: back off (exponential, full jitter) and re-read the head.
      const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 16));
      await new Promise((r) => setTimeout(r, Math.random() * ceiling));
    }
  }
}
