import { context, escapeMrkdwn, fields, header, message, section, type SlackMessage } from "./slack-message";

/** What people call each operation in Slack. */
const OPERATION_LABELS: Record<string, string> = {
  "certs.renew": "Certificate renewal",
  "certs.inventory": "Certificate inventory",
  backup: "Backup",
  restore: "Restore",
  apply: "Apply",
  facts: "Facts",
  reset: "Reset",
};

export const operationLabel = (operation: string) => OPERATION_LABELS[operation] ?? operation;

export interface RunRef {
  runId: string;
  cluster: string;
  operation: string;
  /** The audit actor: slack:TEAM/USER, token:…, cron… */
  requestedBy: string;
  /** KEEL_PUBLIC_URL, if set: the run's link. */
  publicUrl?: string | undefined;
}

export interface PhaseOutcome {
  name: string;
  outcome: "succeeded" | "warned" | "failed" | "skipped";
  message: string;
}

const ICONS: Record<PhaseOutcome["outcome"], string> = { succeeded: ":white_check_mark:", warned: ":warning:", failed: ":x:", skipped: ":black_circle_for_record:" };
const STATUS_ICONS: Record<string, string> = { succeeded: ":white_check_mark:", failed: ":x:", cancelled: ":no_entry_sign:" };

/** A Slack user as a mention, anyone else as text. */
function who(actor: string): string {
  const slack = /^slack:[A-Z0-9]+\/([A-Z0-9]+)$/.exec(actor);
  return slack ? `<@${slack[1]}>` : `\`${escapeMrkdwn(actor)}\``;
}

function runLink(ref: RunRef): string {
  if (!ref.publicUrl) return `Run \`${ref.runId}\` · \`keel runs follow ${ref.runId}\``;
  return `<${ref.publicUrl.replace(/\/+$/, "")}/v1/runs/${encodeURIComponent(ref.runId)}|Run ${ref.runId}> · \`keel runs follow ${ref.runId}\``;
}

export function runStartedMessage(ref: RunRef, extra: Partial<SlackMessage> = {}): SlackMessage {
  const what = `${operationLabel(ref.operation)} of ${ref.cluster}`;
  return message(`:hourglass_flowing_sand: ${what} started`, [
    section(`:hourglass_flowing_sand: *${escapeMrkdwn(what)}* started, requested by ${who(ref.requestedBy)}.`),
    context(runLink(ref)),
  ], { response_type: "in_channel", ...extra });
}

export function phaseFinishedMessage(ref: RunRef, phase: PhaseOutcome): SlackMessage {
  const what = `${operationLabel(ref.operation)} of ${ref.cluster}`;
  return message(`${what}: ${phase.message}`, [
    section(`${ICONS[phase.outcome]} ${escapeMrkdwn(what)}: ${escapeMrkdwn(phase.message.replace(/^==> /, ""))}`),
    context(runLink(ref)),
  ], { response_type: "in_channel" });
}

export function runFinishedMessage(ref: RunRef, run: { status: string; error: string | null; phases: PhaseOutcome[]; tookMs: number | null }): SlackMessage {
  const what = `${operationLabel(ref.operation)} of ${ref.cluster}`;
  const icon = STATUS_ICONS[run.status] ?? ":grey_question:";
  const lines = run.phases.map((p) => `${ICONS[p.outcome]} ${escapeMrkdwn(p.name)}`);
  const blocks = [
    header(`${what} ${run.status}`),
    fields([
      ["Cluster", escapeMrkdwn(ref.cluster)],
      ["Operation", escapeMrkdwn(operationLabel(ref.operation))],
      ["Status", `${icon} ${run.status}`],
      ["Requested by", who(ref.requestedBy)],
      ...(run.tookMs !== null ? ([["Took", `${Math.round(run.tookMs / 1000)} s`]] as [string, string][]) : []),
    ]),
    ...(lines.length > 0 ? [section(lines.join("\n"))] : []),
    ...(run.error ? [section(`*Error*\n\`\`\`${escapeMrkdwn(run.error.slice(0, 2500))}\`\`\``)] : []),
    context(runLink(ref)),
  ];
  return message(`${icon} ${what} ${run.status}`, blocks, { response_type: "in_channel" });
}

/** A run Slack asked for that could not start (a conflict, a missing cluster…). */
export function runRefusedMessage(ref: Omit<RunRef, "runId">, reason: string): SlackMessage {
  const what = `${operationLabel(ref.operation)} of ${ref.cluster}`;
  return message(`:x: ${what} did not start: ${reason}`, [section(`:x: *${escapeMrkdwn(what)}* did not start: ${escapeMrkdwn(reason)}`)], { response_type: "ephemeral", replace_original: true });
}
