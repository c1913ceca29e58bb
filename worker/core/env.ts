import { z } from "zod";
import type { ClusterObject } from "../objects/cluster-object";
import type { RelayObject } from "../objects/relay-object";
import type { RateLimitObject } from "../objects/rate-limit-object";
import type { NotifyObject } from "../notify/notify-object";

/** The Worker's bindings, as wrangler.toml and `wrangler secret put` provide them. */
export interface Env {
  DB: D1Database;
  CLUSTER: DurableObjectNamespace<ClusterObject>;
  RELAY: DurableObjectNamespace<RelayObject>;
  RATE_LIMIT: DurableObjectNamespace<RateLimitObject>;
  NOTIFY: DurableObjectNamespace<NotifyObject>;
  KEEL_ADMIN_TOKEN: string;
  /** Slack app's signing secret; unset: the /slack routes answer 503 (Slack not configured). */
  SLACK_SIGNING_SECRET?: string;
  /** Slack bot token (xoxb-…) for chat.postMessage once a response_url is used up; optional. */
  SLACK_BOT_TOKEN?: string;
  /** Slack Web API base; tests point it at a local stand-in. */
  SLACK_API_URL?: string;
  /** Where people reach this API: links in Slack messages and notifications. */
  KEEL_PUBLIC_URL?: string;
  /** base64 of 32 random bytes: seals webhook secrets and notification URLs in D1 (worker/core/secret-box.ts). */
  KEEL_SECRETS_KEY?: string;
  /** "true" lets outbound notifications go to http:// on loopback (tests only). */
  KEEL_ALLOW_HTTP_TARGETS?: string;
  RELAY_WAIT_SECONDS?: string;
  RATE_LIMIT_PER_TOKEN?: string;
  RATE_LIMIT_PER_CLIENT?: string;
  RATE_LIMIT_AUTH_FAILURES?: string;
  /** Ed25519 private key (PKCS8 PEM or base64 DER) signing audit checkpoints; unset, GET /v1/audit/checkpoint answers 503. */
  AUDIT_SIGNING_KEY?: string;
}

const perMinute = (fallback: number) => z.coerce.number().int().min(1).max(1_000_000_000).default(fallback);

/** The plain-value part of the env, validated once per request (principle 6). */
export const EnvVars = z.object({
  KEEL_ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters (set it with `wrangler secret put KEEL_ADMIN_TOKEN`)"),
  RELAY_WAIT_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  // Requests per minute (a bucket of this size, refilled evenly over the minute).
  // The defaults are far above a team's use: they stop floods, not work.
  RATE_LIMIT_PER_TOKEN: perMinute(1200),
  RATE_LIMIT_PER_CLIENT: perMinute(3000),
  /** Failed authentications (no, unknown, revoked or expired token) per minute per client address. */
  RATE_LIMIT_AUTH_FAILURES: perMinute(300),
  SLACK_API_URL: z.url().default("https://slack.com/api"),
  KEEL_PUBLIC_URL: z.url().optional(),
  KEEL_ALLOW_HTTP_TARGETS: z.enum(["true", "false"]).optional(),
});
export type EnvVars = z.infer<typeof EnvVars>;
