import type { DeliveryStatus } from "./delivery-log";
import { postJson } from "./http-post";
import type { PendingDelivery, SlackReplyWatch } from "./notify-types";
import { outboundUrlProblem } from "./outbound-url";
import { postWithBot } from "./slack-web-api";

export type AttemptResult =
  | { done: true; status: Exclude<DeliveryStatus, "pending">; lastStatus: number | null; error: string | null }
  | { done: false; lastStatus: number | null; error: string | null };

/** Slack: a response_url takes 5 posts within 30 minutes. A minute of margin for clocks and queues. */
const RESPONSE_URL_POSTS = 5;
const RESPONSE_URL_LIFETIME_MS = 29 * 60_000;

export interface SlackReplyConfig {
  botToken: string | undefined;
  apiUrl: string;
  allowHttpLoopback: boolean;
}

/**
 * One attempt at a message for a run started from Slack: to the invocation's
 * response_url while it has posts left (the last one kept for the result),
 * else with the bot token to the channel (chat.postMessage, then chat.update
 * of the same message), else skipped: progress is nice to have, and the run
 * itself is in keel either way.
 */
export async function deliverSlackReply(d: PendingDelivery & { route: { kind: "slack-reply" } }, watch: SlackReplyWatch, config: SlackReplyConfig): Promise<{ result: AttemptResult; watch: SlackReplyWatch }> {
  const budget = d.route.final ? RESPONSE_URL_POSTS : RESPONSE_URL_POSTS - 1;
  const fresh = Date.now() < watch.registeredAt + RESPONSE_URL_LIFETIME_MS;
  const urlProblem = outboundUrlProblem(watch.responseUrl, config.allowHttpLoopback);
  let w = watch;
  if (fresh && !w.responseUrlGone && w.postsUsed < budget && urlProblem === null) {
    const res = await postJson(w.responseUrl, JSON.stringify(d.slack));
    if (res.status !== null) w = { ...w, postsUsed: w.postsUsed + 1 };
    if (res.ok) return { result: { done: true, status: "delivered", lastStatus: res.status, error: null }, watch: w };
    if (res.status === 404 || res.status === 410) w = { ...w, responseUrlGone: true };
    else return { result: { done: false, lastStatus: res.status, error: res.error }, watch: w };
  }
  if (config.botToken && w.channel) {
    const res = await postWithBot(config.apiUrl, config.botToken, w.channel, d.slack, w.botTs);
    if (res.ok) return { result: { done: true, status: "delivered", lastStatus: res.status, error: null }, watch: { ...w, botTs: res.ts ?? w.botTs } };
    if (res.refused) return { result: { done: true, status: "failed", lastStatus: res.status, error: res.error }, watch: w };
    return { result: { done: false, lastStatus: res.status, error: res.error }, watch: w };
  }
  const why = urlProblem ? `the response_url ${urlProblem}` : "the response_url is used up (5 posts or 30 minutes)";
  return { result: { done: true, status: "skipped", lastStatus: null, error: `${why} and no SLACK_BOT_TOKEN or channel to post with` }, watch: w };
}
