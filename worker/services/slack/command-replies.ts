import { context, escapeMrkdwn, message, section, type SlackMessage } from "../../notify/slack-message";
import { operationLabel } from "../../notify/run-message";

/** The action ids of keel's buttons; the value names the operation and the cluster. */
export const CONFIRM_ACTION = "keel:confirm";
export const CANCEL_ACTION = "keel:cancel";

const ephemeral = { response_type: "ephemeral" } as const;

export function helpReply(note?: string): SlackMessage {
  const lines = [
    "*keel* runs day-2 operations on your k0s clusters.",
    "`/keel certs CLUSTER` — certificate expiry, soonest first",
    "`/keel runs CLUSTER` — the cluster's recent runs",
    "`/keel audit CLUSTER` — who did what to the cluster, newest first",
    "`/keel renew-certs CLUSTER` — renew the controllers' leaf certificates (asks to confirm; operator)",
    "`/keel backup CLUSTER` — take a verified backup (asks to confirm; operator)",
    "`/keel help` — this message",
  ];
  return message("keel: /keel certs|runs|audit|renew-certs|backup CLUSTER", [...(note ? [section(`:grey_question: ${escapeMrkdwn(note)}`)] : []), section(lines.join("\n"))], ephemeral);
}

export function refusalReply(text: string): SlackMessage {
  return message(text, [section(`:lock: ${escapeMrkdwn(text)}`)], ephemeral);
}

export function textReply(text: string): SlackMessage {
  return message(text, [section(escapeMrkdwn(text))], ephemeral);
}

/** What a changing operation asks before it runs: the click comes back as block_actions and is authorized again. */
export function confirmReply(operation: string, cluster: string, what: string): SlackMessage {
  const label = `${operationLabel(operation)} of ${cluster}`;
  const value = `${operation} ${cluster}`;
  return message(`Confirm: ${label}`, [
    section(`*${escapeMrkdwn(label)}*\n${escapeMrkdwn(what)}`),
    {
      type: "actions",
      block_id: "keel-confirm",
      elements: [
        {
          type: "button",
          action_id: CONFIRM_ACTION,
          value,
          style: "primary",
          text: { type: "plain_text", text: operation === "backup" ? "Take backup" : "Renew certificates" },
          confirm: {
            title: { type: "plain_text", text: `${operationLabel(operation)}?`.slice(0, 100) },
            text: { type: "mrkdwn", text: `This starts a run on *${escapeMrkdwn(cluster)}* now.`.slice(0, 300) },
            confirm: { type: "plain_text", text: "Start" },
            deny: { type: "plain_text", text: "Not now" },
          },
        },
        { type: "button", action_id: CANCEL_ACTION, value, text: { type: "plain_text", text: "Cancel" } },
      ],
    },
    context("Only keel operators can confirm."),
  ], ephemeral);
}
