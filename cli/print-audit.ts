import type { AuditEntryView } from "../schema/audit-api";

const HEAD = ["TIME", "ACTOR", "ACTION", "CLUSTER", "OUTCOME", "RUN"];

/** The history as a table: one line per entry, UTC times; RUN is the target of run.* entries. */
export function formatAuditTable(entries: readonly AuditEntryView[]): string[] {
  const rows = entries.map((e) => [new Date(e.at).toISOString(), e.actor, e.action, e.cluster ?? "-", e.outcome, e.action.startsWith("run.") ? (e.target ?? "-") : "-"]);
  const widths = HEAD.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  return [HEAD, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join("  "));
}
