import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { AuditOutcome } from "../../schema/api";
import { AuditPage, type AuditEntryView } from "../../schema/audit-api";
import { GENESIS_HASH, entryHash } from "../../schema/audit-hash";
import { call } from "./helpers";

export interface SeedEntry {
  at: number;
  actor?: string;
  action?: string;
  cluster?: string | null;
  target?: string | null;
  outcome?: AuditOutcome;
  details?: Record<string, unknown> | null;
}

/**
 * Appends chained entries with the times a test needs (appendAudit stamps
 * now), the way the chain would hold them: seq after the head, each hash
 * over the previous one. Many rows go in one batch, so thousands stay quick.
 */
export async function seedEntries(entries: readonly SeedEntry[]): Promise<AuditEntryView[]> {
  const head = await env.DB.prepare("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").first<{ seq: number; hash: string }>();
  let seq = head?.seq ?? 0;
  let prevHash = head?.hash ?? GENESIS_HASH;
  const rows: AuditEntryView[] = [];
  for (const e of entries) {
    seq += 1;
    const row = { seq, at: e.at, actor: e.actor ?? "cron", action: e.action ?? "test.seed", cluster: e.cluster ?? null, target: e.target ?? null, outcome: e.outcome ?? "ok", details: e.details ?? null };
    const hash = await entryHash(prevHash, row);
    rows.push({ ...row, prevHash, hash });
    prevHash = hash;
  }
  const insert = env.DB.prepare("INSERT INTO audit_log (seq, at, actor, action, cluster, target, outcome, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  for (let i = 0; i < rows.length; i += 500) {
    await env.DB.batch(
      rows.slice(i, i + 500).map((r) => insert.bind(r.seq, r.at, r.actor, r.action, r.cluster, r.target, r.outcome, r.details === null ? null : JSON.stringify(r.details), r.prevHash, r.hash)),
    );
  }
  return rows;
}

export async function auditPage(query: string, token?: string): Promise<AuditPage> {
  const res = await call("GET", `/v1/audit${query}`, token === undefined ? {} : { token });
  expect(res.status, res.text).toBe(200);
  return AuditPage.parse(res.json);
}

/** Every entry a query finds, following nextCursor; `between` runs after each page (to append while paging). */
export async function allPages(query: string, between?: () => Promise<void>): Promise<AuditEntryView[]> {
  const out: AuditEntryView[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await auditPage(`${query}${cursor ? `&cursor=${cursor}` : ""}`);
    out.push(...page.entries);
    cursor = page.nextCursor;
    if (cursor === null) return out;
    await between?.();
  }
  throw new Error("paging did not end");
}
