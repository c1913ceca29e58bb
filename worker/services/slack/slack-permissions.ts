import type { Role } from "../../../schema/api";
import { ROLE_RANK } from "../../auth/actor";
import { appendAudit } from "../../core/audit-append";
import type { SlackMessage } from "../../notify/slack-message";
import { refusalReply } from "./command-replies";
import type { SlackActor } from "./slack-actor";

/** What a Slack route answers within Slack's 3 s, and the work to do after (handed to waitUntil). */
export interface SlackOutcome {
  reply: SlackMessage | null;
  later?: () => Promise<void>;
}

/** The changing subcommands: they ask for confirmation first, and need an operator at the command and again at the click. */
export const CHANGES = {
  "renew-certs": { operation: "certs.renew", action: "certs.renew", what: "Renews the controllers' leaf certificates by restarting k0s on one controller at a time, each healthy before the next. CAs are not renewed." },
  backup: { operation: "backup", action: "cluster.backup", what: "Takes a k0s backup on the leader into the relay's encrypted store and verifies it." },
} as const;
export const CHANGE_ROLE: Role = "operator";

export function mayChange(actor: SlackActor): boolean {
  return actor.role !== null && ROLE_RANK[actor.role] >= ROLE_RANK[CHANGE_ROLE];
}

export function unmappedReply(actor: SlackActor): SlackMessage {
  return refusalReply(`Sorry, your Slack account (${actor.team}/${actor.user}) is not linked to keel yet. Ask a keel admin to run: keel slack map ${actor.team} ${actor.user} --role viewer`);
}

/** A mapped user below the role: refused, and audited like a 403 on a mutating route. */
export async function refuseChange(d1: D1Database, actor: SlackActor, action: string, cluster: string): Promise<SlackMessage> {
  await appendAudit(d1, { actor: actor.id, action, cluster, target: cluster, outcome: "denied", details: { reason: `role ${actor.role ?? "none"} is below ${CHANGE_ROLE}`, via: "slack" } });
  return refusalReply(`Sorry, this needs the keel ${CHANGE_ROLE} role; you have ${actor.role ?? "none"}.`);
}
