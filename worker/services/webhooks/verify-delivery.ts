import { eq } from "drizzle-orm";
import { KeelError } from "../../../schema/errors";
import { webhooks } from "../../../schema/tables";
import { WebhookId } from "../../../schema/webhook-api";
import { openDb } from "../../core/db";
import type { Env } from "../../core/env";
import { openSecret } from "../../core/secret-box";
import { verifyGithub } from "../../webhooks/github-signature";
import { verifyStandard } from "../../webhooks/standard-webhooks";

export interface DeliveryRequest {
  endpointId: string;
  /** Lower-cased header lookup. */
  header: (name: string) => string | null;
  /** The raw body, exactly as received: the signature covers these bytes. */
  body: string;
  now: number;
}

export type Endpoint = typeof webhooks.$inferSelect;

export type VerifiedDelivery = { ok: true; endpoint: Endpoint; deliveryId: string } | { ok: false; code: "not_found" | "unauthorized"; reason: string };

/** Finds the endpoint and checks the delivery's signature with its scheme. */
export async function verifyDelivery(env: Env, req: DeliveryRequest): Promise<VerifiedDelivery> {
  if (!WebhookId.safeParse(req.endpointId).success) return { ok: false, code: "not_found", reason: "no such webhook" };
  const endpoint = await openDb(env.DB).select().from(webhooks).where(eq(webhooks.id, req.endpointId)).get();
  if (!endpoint) return { ok: false, code: "not_found", reason: `webhook ${req.endpointId} not found` };
  let secret: string;
  try {
    secret = await openSecret(env.KEEL_SECRETS_KEY, endpoint.secretBox, endpoint.id);
  } catch (err) {
    // A changed or missing KEEL_SECRETS_KEY: the operator's problem, not the sender's.
    console.error(`webhook ${endpoint.id}: its secret does not open with KEEL_SECRETS_KEY:`, err instanceof Error ? err.message : err);
    throw new KeelError("internal", "server misconfigured: KEEL_SECRETS_KEY");
  }
  const verified =
    endpoint.scheme === "github"
      ? await verifyGithub(secret, { signature: req.header("x-hub-signature-256"), delivery: req.header("x-github-delivery") }, req.body)
      : await verifyStandard(secret, { id: req.header("webhook-id"), timestamp: req.header("webhook-timestamp"), signature: req.header("webhook-signature") }, req.body, req.now);
  if (!verified.ok) return { ok: false, code: "unauthorized", reason: verified.reason };
  return { ok: true, endpoint, deliveryId: verified.deliveryId };
}
