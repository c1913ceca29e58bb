import type { MiddlewareHandler } from "hono";
import { KeelError } from "../../schema/errors";
import { verifySlackSignature } from "../core/slack-signature";
import type { AppEnv } from "../http/app-env";
import { errorResponse } from "../http/error-response";
import { readBodyText } from "../http/read-body";
import { claimSlackRequest } from "../services/slack/claim-request";
import { countUnauthenticated } from "./require-role";

/** Slash commands and interactivity payloads are small; Slack's own limits are far below this. */
const MAX_SLACK_BODY_BYTES = 64 * 1024;

/**
 * Lets a request through only if Slack signed it (v0 HMAC of the raw body
 * with SLACK_SIGNING_SECRET, timestamp within 5 minutes) and it was not seen
 * before; sets `slackBody`. Refusals are 401 and counted like requests
 * without a valid token (denied_requests), not audited one by one: anyone
 * can send them. Without the secret, Slack is not configured: 404.
 */
export const requireSlack: MiddlewareHandler<AppEnv> = async (c, next) => {
  const secret = c.env.SLACK_SIGNING_SECRET;
  if (!secret) return errorResponse(c, new KeelError("not_found", "Slack is not configured on this keel: set the SLACK_SIGNING_SECRET secret (README: Slack)"));
  const body = await readBodyText(c.req.raw, MAX_SLACK_BODY_BYTES);
  const now = Date.now();
  const check = await verifySlackSignature(secret, { timestamp: c.req.header("x-slack-request-timestamp") ?? null, signature: c.req.header("x-slack-signature") ?? null }, body, now);
  let refusal = check.ok ? null : check.reason;
  if (check.ok && !(await claimSlackRequest(c.env.DB, check.signature, now))) refusal = "replayed request";
  if (refusal !== null) {
    await countUnauthenticated(c, refusal);
    return errorResponse(c, new KeelError("unauthorized", `not a valid Slack request: ${refusal}`));
  }
  c.set("slackBody", body);
  await next();
};
