/**
 * Sealing small secrets for D1 (webhook URLs and signing secrets of
 * notification subscriptions): AES-256-GCM under a key derived from the
 * Worker secret KEEL_SECRETS_KEY, a fresh 96-bit IV per seal, and the row's
 * id as additional data, so a sealed value copied onto another row does not
 * open. Format: `v1.<base64url iv>.<base64url ciphertext+tag>`.
 */

const encoder = new TextEncoder();
/** Shorter secrets are refused: the key is derived from this string with SHA-256, not stretched. */
export const MIN_SECRETS_KEY_LENGTH = 32;

const b64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
function fromB64url(text: string): Uint8Array {
  const bin = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

async function aesKey(secretsKey: string): Promise<CryptoKey> {
  if (secretsKey.length < MIN_SECRETS_KEY_LENGTH) throw new Error(`KEEL_SECRETS_KEY must be at least ${MIN_SECRETS_KEY_LENGTH} characters`);
  const raw = await crypto.subtle.digest("SHA-256", encoder.encode(`keel secret-box v1\0${secretsKey}`));
  return crypto.subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
}

export async function seal(secretsKey: string, plaintext: string, boundTo: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(boundTo) }, await aesKey(secretsKey), encoder.encode(plaintext));
  return `v1.${b64url(iv)}.${b64url(new Uint8Array(ct))}`;
}

/** The plaintext, or null when the value was sealed under another key or for another row, or is damaged. */
export async function open(secretsKey: string, sealed: string, boundTo: string): Promise<string | null> {
  const [version, iv, ct] = sealed.split(".");
  if (version !== "v1" || !iv || !ct) return null;
  try {
    const pt = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromB64url(iv), additionalData: encoder.encode(boundTo) }, await aesKey(secretsKey), fromB64url(ct));
    return new TextDecoder().decode(pt);
  } catch {
    return null;
  }
}
