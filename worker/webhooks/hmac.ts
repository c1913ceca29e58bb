/** HMAC-SHA256 through WebCrypto: signing, and checking with subtle.verify, which compares in constant time. */

export function hmacKey(secret: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

export async function hmacSign(key: CryptoKey, content: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(content)));
}

export function hmacVerify(key: CryptoKey, signature: Uint8Array, content: string): Promise<boolean> {
  return crypto.subtle.verify("HMAC", key, signature, new TextEncoder().encode(content));
}

/** Why a delivery was refused: said to the sender, so it names the check, never what would have matched. */
export type Verification = { ok: true; deliveryId: string } | { ok: false; reason: string };
