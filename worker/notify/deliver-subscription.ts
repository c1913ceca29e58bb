import { eq } from "drizzle-orm";
import { notificationSubscriptions } from "../../schema/tables";
import { openDb } from "../core/db";
import { openSecretOrNull } from "../core/secret-box";
import type { AttemptResult } from "./deliver-slack-reply";
import { postJson, type PostResult } from "./http-post";
import type { PendingDelivery } from "./notify-types";
import { outboundUrlProblem } from "./outbound-url";
import { postWithBot } from "./slack-web-api";
import { standardWebhookHeaders } from "./standard-webhooks-sign";

export interface SubscriptionConfig {
  secretsKey: string | undefined;
  botToken: string | undefined;
  apiUrl: string;
  allowHttpLoopback: boolean;
}

/** A receiver saying 410 Gone wants no more (Standard Webhooks); other failures are retried with backoff. */
function outcome(res: PostResult): AttemptResult {
  if (res.ok) return { done: true, status: "delivered", lastStatus: res.status, error: null };
  if (res.status === 410) return { done: true, status: "failed", lastStatus: 410, error: "the receiver answered 410 Gone" };
  return { done: false, lastStatus: res.status, error: res.error };
}

/** One attempt at a subscription's delivery; the subscription is read now, so a deleted one gets nothing. */
export async function deliverToSubscription(d1: D1Database, d: PendingDelivery & { route: { kind: "subscription" } }, config: SubscriptionConfig): Promise<AttemptResult> {
  const sub = await openDb(d1).select().from(notificationSubscriptions).where(eq(notificationSubscriptions.id, d.route.subscriptionId)).get();
  if (!sub) return { done: true, status: "skipped", lastStatus: null, error: "the subscription was deleted" };
  if (sub.kind === "slack-channel") {
    if (!config.botToken || !sub.channel) return { done: true, status: "failed", lastStatus: null, error: "SLACK_BOT_TOKEN is not set" };
    const res = await postWithBot(config.apiUrl, config.botToken, sub.channel, d.slack, null);
    if (res.refused) return { done: true, status: "failed", lastStatus: res.status, error: res.error };
    return outcome(res);
  }
  const opened = sub.sealed && config.secretsKey ? await openSecretOrNull(config.secretsKey, sub.sealed, sub.id) : null;
  if (opened === null) return { done: true, status: "failed", lastStatus: null, error: "the subscription's URL cannot be opened (KEEL_SECRETS_KEY unset or changed)" };
  const { url, secret } = JSON.parse(opened) as { url: string; secret?: string };
  const problem = outboundUrlProblem(url, config.allowHttpLoopback);
  if (problem) return { done: true, status: "failed", lastStatus: null, error: `the URL ${problem}` };
  if (sub.kind === "slack-webhook") return outcome(await postJson(url, JSON.stringify({ text: d.slack.text, blocks: d.slack.blocks })));
  const body = d.payload ?? "{}";
  const headers = secret ? await standardWebhookHeaders(secret, d.id, Math.floor(Date.now() / 1000), body) : {};
  return outcome(await postJson(url, body, headers));
}
