import { bytesToBase64 } from "../core/secret-box";
import { hmacKey, hmacSign, hmacVerify, type Verification } from "./hmac";

/**
 * GitHub's scheme: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw
 * body>`, keyed with the secret's UTF-8 bytes. There is no timestamp, so no
 * replay window: the delivery id (`X-GitHub-Delivery`) dedupe is the only
 * guard against a replay, and it is kept (docs/adr/0010-webhook-delivery-dedupe.md).
 */
const PREFIX = "sha256=";

export interface GithubHeaders {
  signature: string | null;
  delivery: string | null;
}

/** A new endpoint secret: GitHub takes any string; URL-safe base64 of 32 random bytes. */
export function newGithubSecret(): string {
  return bytesToBase64(crypto.getRandomValues(new Uint8Array(32))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const keyOf = (secret: string) => hmacKey(new TextEncoder().encode(secret));

export async function signGithub(secret: string, body: string): Promise<string> {
  const mac = await hmacSign(await keyOf(secret), body);
  return PREFIX + [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export async function verifyGithub(secret: string, headers: GithubHeaders, body: string): Promise<Verification> {
  const { signature, delivery } = headers;
  if (!signature || !delivery) return { ok: false, reason: "send the X-Hub-Signature-256 and X-GitHub-Delivery headers" };
  if (delivery.length > 200) return { ok: false, reason: "X-GitHub-Delivery must be at most 200 characters" };
  const hex = signature.startsWith(PREFIX) ? signature.slice(PREFIX.length) : "";
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return { ok: false, reason: "X-Hub-Signature-256 must be sha256= and 64 hex digits" };
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  if (await hmacVerify(await keyOf(secret), bytes, body)) return { ok: true, deliveryId: delivery };
  return { ok: false, reason: "X-Hub-Signature-256 does not match" };
}
