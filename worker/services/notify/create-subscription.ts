import { KeelError } from "../../../schema/errors";
import type { CreatedSubscription, CreateSubscriptionBody } from "../../../schema/notify-api";
import { notificationSubscriptions } from "../../../schema/tables";
import { appendAuditWith } from "../../core/audit-append";
import type { Env } from "../../core/env";
import { sealSecret, secretsKeyProblem } from "../../core/secret-box";
import { outboundUrlProblem } from "../../notify/outbound-url";
import { newWebhookSecret } from "../../notify/standard-webhooks-sign";
import { requireCluster } from "../slack/cluster-exists";
import { subscriptionView } from "./subscription-view";

/**
 * Subscribes a target to a cluster's events. URLs (and a webhook's signing
 * secret, made here and returned this once) are sealed before they reach
 * D1; the audit entry names the kind and events, never the URL.
 */
export async function createSubscription(env: Env, input: CreateSubscriptionBody & { cluster: string; actor: string; allowHttpLoopback: boolean }): Promise<CreatedSubscription> {
  const { target } = input;
  const invalid = (path: string, message: string) => new KeelError("validation_failed", `invalid body: ${path}`, [{ path, message }]);
  if (target.kind !== "slack-channel") {
    const problem = outboundUrlProblem(target.url, input.allowHttpLoopback);
    if (problem) throw invalid("target.url", problem);
    const keyProblem = await secretsKeyProblem(env.KEEL_SECRETS_KEY);
    if (keyProblem) throw invalid("target.url", `keel cannot store a URL safely: ${keyProblem}`);
  } else if (!env.SLACK_BOT_TOKEN) {
    throw invalid("target.channel", "posting to a channel needs the SLACK_BOT_TOKEN secret (README: Slack)");
  }
  await requireCluster(env.DB, input.cluster);
  const id = `sub_${crypto.randomUUID()}`;
  const secret = target.kind === "webhook" ? newWebhookSecret() : undefined;
  const sealed = target.kind === "slack-channel" ? null : await sealSecret(env.KEEL_SECRETS_KEY, JSON.stringify({ url: target.url, ...(secret ? { secret } : {}) }), id);
  const row = {
    id,
    cluster: input.cluster,
    events: [...new Set(input.events)],
    kind: target.kind,
    channel: target.kind === "slack-channel" ? target.channel : null,
    sealed,
    createdBy: input.actor,
    createdAt: Date.now(),
  };
  await appendAuditWith(env.DB, { actor: input.actor, action: "notification.subscribe", cluster: input.cluster, target: id, outcome: "ok", details: { kind: row.kind, events: row.events } }, (db) => [
    db.insert(notificationSubscriptions).values(row),
  ]);
  return { subscription: subscriptionView(row), ...(secret ? { secret } : {}) };
}
