/** Hashing, minting and comparing secrets (API and relay tokens, the audit chain). */

/** Hex SHA-256; tokens are stored only as this. */
export { sha256Hex } from "../../schema/sha256";

/** A new random secret: a readable prefix says what it is (keel_api_…, keel_relay_…). */
export function newSecret(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const body = btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return `${prefix}_${body}`;
}

/** Compare secrets without leaking where they differ through timing. */
export function timingSafeEqual(a: string, b: string): boolean {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  let diff = ea.length ^ eb.length;
  for (let i = 0; i < Math.max(ea.length, eb.length); i++) diff |= (ea[i] ?? 0) ^ (eb[i] ?? 0);
  return diff === 0;
}
