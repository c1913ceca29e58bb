import { desc, eq } from "drizzle-orm";
import { KeelError } from "../../../schema/errors";
import { runs } from "../../../schema/tables";
import { openDb } from "../../core/db";
import { context, escapeMrkdwn, header, message, section, type SlackMessage } from "../../notify/slack-message";
import { operationLabel } from "../../notify/run-message";
import { listAudit } from "../audit/list";
import { listCertificates } from "../certs/list-certificates";

const DAY_MS = 86_400_000;
const ROWS = 15;
const when = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace("T", " ");

/** `/keel certs CLUSTER`: leaves soonest first, then the CAs, as the certificates table has them. */
export async function certsReply(d1: D1Database, cluster: string, now: number): Promise<SlackMessage> {
  const res = await listCertificates(d1, cluster, {}, now);
  const line = (c: (typeof res.certificates)[number]) => {
    const days = Math.floor((c.notAfter - now) / DAY_MS);
    const icon = days < 0 ? ":x:" : days < 30 ? ":warning:" : ":white_check_mark:";
    return `${icon} \`${escapeMrkdwn(c.name)}\` on ${escapeMrkdwn(c.host)} — ${days < 0 ? `expired ${-days} d ago` : `${days} d`} (${when(c.notAfter)} UTC)`;
  };
  const leaves = res.certificates.filter((c) => !c.isCA);
  const cas = res.certificates.filter((c) => c.isCA);
  const blocks = [header(`Certificates of ${cluster}`)];
  if (leaves.length > 0) blocks.push(section(leaves.slice(0, ROWS).map(line).join("\n") + (leaves.length > ROWS ? `\n…and ${leaves.length - ROWS} more` : "")));
  if (cas.length > 0) blocks.push(section(`*Certificate authorities*\n${cas.slice(0, 6).map(line).join("\n")}`));
  for (const w of res.warnings) blocks.push(context(`:warning: ${escapeMrkdwn(w)}`));
  const soon = leaves.filter((c) => c.notAfter - now < 30 * DAY_MS).length;
  return message(`${cluster}: ${leaves.length} certificates, ${soon} expiring within 30 days`, blocks, { response_type: "ephemeral" });
}

/** `/keel runs CLUSTER`: the newest runs. */
export async function runsReply(d1: D1Database, cluster: string): Promise<SlackMessage> {
  const rows = await openDb(d1).select().from(runs).where(eq(runs.cluster, cluster)).orderBy(desc(runs.createdAt)).limit(10).all();
  if (rows.length === 0) return message(`no runs on ${cluster}`, [section(`No runs on *${escapeMrkdwn(cluster)}* yet.`)], { response_type: "ephemeral" });
  const icons: Record<string, string> = { succeeded: ":white_check_mark:", failed: ":x:", cancelled: ":no_entry_sign:" };
  const lines = rows.map((r) => `${icons[r.status] ?? ":hourglass_flowing_sand:"} ${when(r.createdAt)} ${escapeMrkdwn(operationLabel(r.operation))} — ${r.status} — \`${r.id}\` by \`${escapeMrkdwn(r.requestedBy)}\``);
  return message(`recent runs on ${cluster}`, [header(`Runs on ${cluster}`), section(lines.join("\n"))], { response_type: "ephemeral" });
}

/** `/keel audit CLUSTER`: the newest audit entries about the cluster. */
export async function auditReply(d1: D1Database, cluster: string): Promise<SlackMessage> {
  const page = await listAudit(d1, { cluster, limit: ROWS });
  if (page.entries.length === 0) return message(`no audit entries for ${cluster}`, [section(`Nothing audited for *${escapeMrkdwn(cluster)}* yet.`)], { response_type: "ephemeral" });
  const lines = page.entries.map((e) => `${when(e.at)} \`${escapeMrkdwn(e.actor)}\` ${escapeMrkdwn(e.action)} → ${e.outcome}${e.target && e.target !== cluster ? ` (\`${escapeMrkdwn(e.target)}\`)` : ""}`);
  return message(`audit of ${cluster}`, [header(`Audit of ${cluster}`), section(lines.join("\n"))], { response_type: "ephemeral" });
}

/** Cluster names come from Slack text: a missing cluster is a friendly reply, not an error page. */
export function notFoundText(err: unknown): string | null {
  return err instanceof KeelError && err.code === "not_found" ? err.message : null;
}
