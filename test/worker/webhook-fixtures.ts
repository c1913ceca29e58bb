import { expect } from "vitest";
import { CreatedWebhook } from "../../schema/webhook-api";
import { signGithub } from "../../worker/webhooks/github-signature";
import { signStandard } from "../../worker/webhooks/standard-webhooks";
import { call, jsonBody, type CallResult } from "./helpers";

/** POST /v1/webhooks as the bootstrap admin; the created endpoint with its one-time secret. */
export async function createWebhook(body: Record<string, unknown>): Promise<CreatedWebhook> {
  const res = await call("POST", "/v1/webhooks", jsonBody(body));
  expect(res.status, res.text).toBe(201);
  return CreatedWebhook.parse(res.json);
}

/** A Standard Webhooks delivery signed with `secret` (timestamp: now, unless given). */
export async function deliverStandard(hook: { id: string; secret: string }, msgId: string, body: string, opts: { timestamp?: number; signature?: string } = {}): Promise<CallResult> {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = opts.signature ?? (await signStandard(hook.secret, msgId, timestamp, body));
  return call("POST", `/v1/hooks/${hook.id}`, {
    token: null,
    body,
    contentType: "application/json",
    headers: { "webhook-id": msgId, "webhook-timestamp": String(timestamp), "webhook-signature": signature },
  });
}

/** A GitHub delivery signed with `secret`. */
export async function deliverGithub(hook: { id: string; secret: string }, delivery: string, body: string, signature?: string): Promise<CallResult> {
  return call("POST", `/v1/hooks/${hook.id}`, {
    token: null,
    body,
    contentType: "application/json",
    headers: { "X-GitHub-Delivery": delivery, "X-GitHub-Event": "push", "X-Hub-Signature-256": signature ?? (await signGithub(hook.secret, body)) },
  });
}
