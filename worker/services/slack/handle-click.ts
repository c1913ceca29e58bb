import { ClusterName } from "../../../schema/api";
import type { BlockActionsPayload } from "../../../schema/slack-api";
import type { Env } from "../../core/env";
import { postJson } from "../../notify/http-post";
import { outboundUrlProblem } from "../../notify/outbound-url";
import type { SlackMessage } from "../../notify/slack-message";
import { CANCEL_ACTION, CONFIRM_ACTION, textReply } from "./command-replies";
import { slackActor } from "./slack-actor";
import { CHANGES, mayChange, refuseChange, unmappedReply, type SlackOutcome } from "./slack-permissions";
import { startSlackRun } from "./start-slack-run";

/**
 * A button click. Slack ignores the HTTP answer to block_actions: everything
 * the clicker sees goes to the response_url, after the ack. The clicker is
 * authorized from their own mapping — the button's existence proves nothing,
 * and anyone in the channel may click it.
 */
export async function handleClick(env: Env, payload: BlockActionsPayload, opts: { publicUrl: string | undefined; allowHttpLoopback: boolean }): Promise<SlackOutcome> {
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
  if (actor.role === null) return { reply: null, later: () => postReply(payload.response_url, unmappedReply(actor), false) };
  if (!mayChange(actor)) {
    const refused = await refuseChange(env.DB, actor, change.action, cluster.data);
    return { reply: null, later: () => postReply(payload.response_url, refused, false) };
  }
  const input = { cluster: cluster.data, operation: change.operation, actor, responseUrl: payload.response_url, channel: payload.channel?.id ?? null, publicUrl: opts.publicUrl };
  return { reply: null, later: () => startSlackRun(env, input) };
}

/** One post to the clicker, outside any run: nothing to retry it for. */
async function postReply(url: string, msg: SlackMessage, replace: boolean): Promise<void> {
  const res = await postJson(url, JSON.stringify({ ...msg, replace_original: replace }));
  if (!res.ok) console.error(`slack: a reply was not taken: ${res.error ?? "unknown"}`);
}
