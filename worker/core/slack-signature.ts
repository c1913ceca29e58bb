/**
 * Slack's request signing (v0): HMAC-SHA256 of `v0:{timestamp}:{raw body}`
 * with the app's signing secret, hex, sent as `X-Slack-Signature: v0=<hex>`
 * beside `X-Slack-Request-Timestamp` (unix seconds). A request older or newer
 * than five minutes is refused, so a captured one cannot be replayed later;
 * within the window, replays are caught by remembering signatures.
 */

/** Slack's own tolerance (bolt-js, python slack_sdk): five minutes either way. */
export const SLACK_SIGNATURE_WINDOW_S = 5 * 60;

export type SlackSignatureCheck = { ok: true; signature: string } | { ok: false; reason: string };

const encoder = new TextEncoder();

function hmacKey(secret: string, usage: "sign" | "verify"): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [usage]);
}

/** `v0=<hex>` for this timestamp and body: what Slack sends (tests sign with it too). */
export async function slackSignature(secret: string, timestamp: string, body: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret, "sign"), encoder.encode(`v0:${timestamp}:${body}`));
  return `v0=${[...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

function hexBytes(hex: string): Uint8Array | null {
  if (!/^(?:[0-9a-f]{2})+$/i.test(hex)) return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Checks a request's Slack signature against the raw body; `now` in ms. */
export async function verifySlackSignature(secret: string, headers: { timestamp: string | null; signature: string | null }, body: string, now: number): Promise<SlackSignatureCheck> {
  const { timestamp, signature } = headers;
  if (timestamp === null || signature === null) return { ok: false, reason: "missing signature headers" };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "malformed timestamp" };
  if (Math.abs(now / 1000 - Number(timestamp)) > SLACK_SIGNATURE_WINDOW_S) return { ok: false, reason: "timestamp outside the 5-minute window" };
  const mac = signature.startsWith("v0=") ? hexBytes(signature.slice(3)) : null;
  if (mac === null || mac.length !== 32) return { ok: false, reason: "malformed signature" };
  // subtle.verify compares in constant time.
  const ok = await crypto.subtle.verify("HMAC", await hmacKey(secret, "verify"), mac, encoder.encode(`v0:${timestamp}:${body}`));
  return ok ? { ok: true, signature: signature.toLowerCase() } : { ok: false, reason: "bad signature" };
}
