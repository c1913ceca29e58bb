import { ClusterName, type Role } from "../../../schema/api";
import type { BlockActionsPayload, SlashCommandForm } from "../../../schema/slack-api";
import { ROLE_RANK } from "../../auth/actor";
import { appendAudit } from "../../core/audit-append";
import type { Env } from "../../core/env";
import type { SlackMessage } from "../../notify/slack-message";
import { CANCEL_ACTION, CONFIRM_ACTION, confirmReply, helpReply, refusalReply, textReply } from "./command-replies";
import { auditReply, certsReply, notFoundText, runsReply } from "./read-replies";
import { slackActor, type SlackActor } from "./slack-actor";
import { startSlackRun } from "./start-slack-run";
import { requireCluster } from "./cluster-exists";
import { postJson } from "../../notify/http-post";
import { outboundUrlProblem } from "../../notify/outbound-url";

/** What the route answers Slack within its 3 s, and the work to do after (handed to waitUntil). */
export interface SlackOutcome {
  reply: SlackMessage | null;
  later?: () => Promise<void>;
}

/** Subcommand → what it needs and does. Changing operations only ask for confirmation here. */
const CHANGES = {
  "renew-certs": { operation: "certs.renew", action: "certs.renew", what: "Renews the controllers' leaf certificates by restarting k0s on one controller at a time, each healthy before the next. CAs are not renewed." },
  backup: { operation: "backup", action: "cluster.backup", what: "Takes a k0s backup on the leader into the relay's encrypted store and verifies it." },
} as const;
const READS = { certs: certsReply, runs: runsReply, audit: auditReply } as const;

const isKey = <T extends object>(o: T, k: string): k is Extract<keyof T, string> => Object.hasOwn(o, k);

function refuseUnmapped(actor: SlackActor): SlackOutcome {
  return { reply: refusalReply(`Sorry, your Slack account (${actor.team}/${actor.user}) is not linked to keel yet. Ask a keel admin to run: keel slack map ${actor.team} ${actor.user} --role viewer`) };
}

async function refuseRole(d1: D1Database, actor: SlackActor, need: Role, action: string, cluster: string): Promise<SlackOutcome> {
  await appendAudit(d1, { actor: actor.id, action, cluster, target: cluster, outcome: "denied", details: { reason: `role ${actor.role ?? "none"} is below ${need}`, via: "slack" } });
  return { reply: refusalReply(`Sorry, this needs the keel ${need} role; you have ${actor.role ?? "none"}.`) };
}

/** `/keel …`: parsed from the text; anything unknown or malformed answers with help, never an error page. */
export async function handleSlashCommand(env: Env, form: SlashCommandForm, now: number): Promise<SlackOutcome> {
  const [sub = "help", clusterArg, ...extra] = form.text.trim().split(/\s+/).filter(Boolean);
  if (sub === "help") return { reply: helpReply() };
  const known = isKey(READS, sub) || isKey(CHANGES, sub);
  if (!known) return { reply: helpReply(`I don't know "${sub.slice(0, 40)}".`) };
  const cluster = ClusterName.safeParse(clusterArg);
  if (!cluster.success || extra.length > 0) return { reply: helpReply(`Give exactly one cluster name: /keel ${sub} CLUSTER`) };
  const actor = await slackActor(env.DB, form.team_id, form.user_id);
  if (actor.role === null) return refuseUnmapped(actor);
  try {
    if (isKey(READS, sub)) return { reply: await READS[sub](env.DB, cluster.data, now) };
    const change = CHANGES[sub as keyof typeof CHANGES];
    if (ROLE_RANK[actor.role] < ROLE_RANK.operator) return await refuseRole(env.DB, actor, "operator", change.action, cluster.data);
    // A prompt for a cluster that does not exist would only fail after the click: say so now.
    await requireCluster(env.DB, cluster.data);
    return { reply: confirmReply(change.operation, cluster.data, change.what) };
  } catch (err) {
    const missing = notFoundText(err);
    if (missing) return { reply: textReply(missing) };
    throw err;
  }
}

/** A button click: authorized again from the clicker's own mapping (the button's existence proves nothing). */
export async function handleBlockAction(env: Env, payload: BlockActionsPayload, opts: { publicUrl: string | undefined; allowHttpLoopback: boolean }): Promise<SlackOutcome> {
  const action = payload.actions[0];
  const team = payload.user.team_id ?? payload.team?.id;
  // Slack's response URLs are https; anything else is not Slack's and gets no post.
  if (!action || !team || outboundUrlProblem(payload.response_url, opts.allowHttpLoopback) !== null) return { reply: null };
  if (action.action_id === CANCEL_ACTION) return { reply: null, later: () => postReply(payload.response_url, textReply("Cancelled: nothing was started."), true) };
  if (action.action_id !== CONFIRM_ACTION) return { reply: null };
  const [operation, clusterArg] = (action.value ?? "").split(" ");
  const change = Object.values(CHANGES).find((c) => c.operation === operation);
  const cluster = ClusterName.safeParse(clusterArg);
  if (!change || !cluster.success) return { reply: null };
  const actor = await slackActor(env.DB, team, payload.user.id);
  if (actor.role === null) return { reply: null, later: () => postReply(payload.response_url, refuseUnmapped(actor).reply, false) };
  if (ROLE_RANK[actor.role] < ROLE_RANK.operator) {
    const refused = await refuseRole(env.DB, actor, "operator", change.action, cluster.data);
    return { reply: null, later: () => postReply(payload.response_url, refused.reply, false) };
  }
  const input = { cluster: cluster.data, operation: change.operation, actor, responseUrl: payload.response_url, channel: payload.channel?.id ?? null, publicUrl: opts.publicUrl };
  return { reply: null, later: () => startSlackRun(env, input) };
}

async function postReply(url: string, msg: SlackMessage | null, replace: boolean): Promise<void> {
  if (!msg) return;
  const res = await postJson(url, JSON.stringify({ ...msg, replace_original: replace }));
  if (!res.ok) console.error(`slack: a reply was not taken: ${res.error ?? "unknown"}`);
}
