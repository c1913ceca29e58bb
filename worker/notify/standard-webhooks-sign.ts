/**
 * Signing outbound webhooks the Standard Webhooks way (spec v1.0.0):
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`,
 * the key being the base64 part of a `whsec_` secret, decoded. The id stays
 * the same across retries (receivers dedupe on it); the timestamp is the attempt's.
 */

const encoder = new TextEncoder();

/** A new secret: 32 random bytes (the spec asks for 24–64), shown to the subscriber once. */
export function newWebhookSecret(): string {
  return `whsec_${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))}`;
}

export async function standardWebhookSignature(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  const keyBytes = Uint8Array.from(atob(secret.replace(/^whsec_/, "")), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`${id}.${timestamp}.${body}`));
  return `v1,${btoa(String.fromCharCode(...new Uint8Array(mac)))}`;
}

/** The three headers of one attempt. */
export async function standardWebhookHeaders(secret: string, id: string, timestamp: number, body: string): Promise<Record<string, string>> {
  return { "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": await standardWebhookSignature(secret, id, timestamp, body) };
}
