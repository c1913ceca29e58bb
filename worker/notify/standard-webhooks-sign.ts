import { newStandardSecret, signStandard } from "../webhooks/standard-webhooks";

/**
 * Signing outbound webhooks the Standard Webhooks way (spec v1.0.0), with the
 * same code that verifies inbound ones (worker/webhooks/standard-webhooks.ts).
 * The id stays the same across retries (receivers dedupe on it); the
 * timestamp is the attempt's.
 */

/** A new secret, shown to the subscriber once. */
export const newWebhookSecret = newStandardSecret;

export const standardWebhookSignature = signStandard;

/** The three headers of one attempt. */
export async function standardWebhookHeaders(secret: string, id: string, timestamp: number, body: string): Promise<Record<string, string>> {
  return { "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": await signStandard(secret, id, timestamp, body) };
}
