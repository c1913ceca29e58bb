import type { NotificationEvent } from "../../schema/notify-api";
import { CERTIFICATE_WARNING_MS } from "./run-hook";
import { runFinishedMessage, type PhaseOutcome, type RunRef } from "./run-message";
import { context, escapeMrkdwn, header, message, section, type SlackMessage } from "./slack-message";
import type { RunProgressNote } from "./notify-types";

/** One event as subscribers get it: a Standard Webhooks envelope `{type, timestamp, data}` and its Slack rendering. */
export interface NotificationPayload {
  event: NotificationEvent;
  body: { type: NotificationEvent; timestamp: string; data: Record<string, unknown> };
  slack: SlackMessage;
}

const DAY_MS = 86_400_000;

/** The events a run's progress note carries for subscribers (run.finished needs the run's outcome, read once by the caller). */
export function eventPayloads(note: RunProgressNote, ref: RunRef, outcome: { status: string; error: string | null; phases: PhaseOutcome[]; tookMs: number | null } | null, now: number): NotificationPayload[] {
  const timestamp = new Date(now).toISOString();
  const link = ref.publicUrl ? `${ref.publicUrl.replace(/\/+$/, "")}/v1/runs/${encodeURIComponent(ref.runId)}` : null;
  const out: NotificationPayload[] = [];
  if (outcome) {
    out.push({
      event: "run.finished",
      body: { type: "run.finished", timestamp, data: { cluster: note.cluster, runId: note.runId, operation: note.operation, requestedBy: note.requestedBy, status: outcome.status, error: outcome.error, phases: outcome.phases.map((p) => ({ name: p.name, outcome: p.outcome })), url: link } },
      slack: runFinishedMessage(ref, outcome),
    });
  }
  if (note.expiringCertificates.length > 0) {
    const certs = note.expiringCertificates.map((c) => ({ ...c, expiresAt: new Date(c.notAfter).toISOString(), daysLeft: Math.floor((c.notAfter - now) / DAY_MS) }));
    const lines = certs.slice(0, 20).map((c) => `:warning: \`${escapeMrkdwn(c.path)}\` on ${escapeMrkdwn(c.host)} — ${c.daysLeft < 0 ? "expired" : `${c.daysLeft} d left`}`);
    out.push({
      event: "certificate.expiring",
      body: { type: "certificate.expiring", timestamp, data: { cluster: note.cluster, runId: note.runId, warningDays: CERTIFICATE_WARNING_MS / DAY_MS, certificates: certs } },
      slack: message(`${certs.length} certificates of ${note.cluster} expire within 30 days`, [
        header(`Certificates of ${note.cluster} expiring soon`),
        section(lines.join("\n")),
        context(`Renew them with \`/keel renew-certs ${escapeMrkdwn(note.cluster)}\` or \`keel certs renew ${escapeMrkdwn(note.cluster)}\`.`),
      ]),
    });
  }
  if (note.failedBackups.length > 0) {
    const lines = note.failedBackups.map((b) => `:x: \`${escapeMrkdwn(b.id)}\`: ${escapeMrkdwn(b.error ?? "verification failed")}`);
    out.push({
      event: "backup.failed",
      body: { type: "backup.failed", timestamp, data: { cluster: note.cluster, runId: note.runId, backups: note.failedBackups } },
      slack: message(`a backup of ${note.cluster} failed verification`, [header(`Backup of ${note.cluster} failed verification`), section(lines.join("\n")), context(`Run \`${escapeMrkdwn(note.runId)}\``)]),
    });
  }
  return out;
}
