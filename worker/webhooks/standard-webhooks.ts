import { base64ToBytes, bytesToBase64 } from "../core/secret-box";
import { hmacKey, hmacSign, hmacVerify, type Verification } from "./hmac";

/**
 * The Standard Webhooks symmetric scheme (standardwebhooks.com, spec v1.0.0):
 * the signed content is `${webhook-id}.${webhook-timestamp}.${raw body}`, the
 * key is the base64 after `whsec_`, and `webhook-signature` lists
 * `v1,<base64>` entries (several, so senders can rotate secrets), any of
 * which may match. The reference library's tolerance is 5 minutes both ways.
 */
export const TOLERANCE_SECONDS = 5 * 60;
const PREFIX = "whsec_";
/** The spec asks for 24 to 64 random bytes. */
const SECRET_BYTES = 32;

export interface StandardHeaders {
  id: string | null;
  timestamp: string | null;
  signature: string | null;
}

/** A new endpoint secret: `whsec_` + base64 of random bytes. */
export function newStandardSecret(): string {
  return PREFIX + bytesToBase64(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));
}

function secretKey(secret: string): Promise<CryptoKey> {
  const body = secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret;
  return hmacKey(base64ToBytes(body));
}

/** The `v1,<base64>` signature a sender puts in `webhook-signature`. */
export async function signStandard(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  return `v1,${bytesToBase64(await hmacSign(await secretKey(secret), `${id}.${timestamp}.${body}`))}`;
}

export async function verifyStandard(secret: string, headers: StandardHeaders, body: string, nowMs: number): Promise<Verification> {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature) return { ok: false, reason: "send the webhook-id, webhook-timestamp and webhook-signature headers" };
  // The spec forbids dots in both: they separate the signed fields.
  if (id.includes(".") || id.length > 200) return { ok: false, reason: "webhook-id must be at most 200 characters without a dot" };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "webhook-timestamp must be unix seconds" };
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > TOLERANCE_SECONDS) return { ok: false, reason: "webhook-timestamp is more than 5 minutes from the server's time" };
  const key = await secretKey(secret);
  const content = `${id}.${timestamp}.${body}`;
  for (const entry of signature.split(" ")) {
    const comma = entry.indexOf(",");
    if (comma < 0 || entry.slice(0, comma) !== "v1") continue;
    let bytes: Uint8Array;
    try {
      bytes = base64ToBytes(entry.slice(comma + 1));
    } catch {
      continue;
    }
    if (await hmacVerify(key, bytes, content)) return { ok: true, deliveryId: id };
  }
  return { ok: false, reason: "no v1 signature in webhook-signature matches" };
}
