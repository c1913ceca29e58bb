/**
 * Secrets the Worker must read back (webhook signing secrets), sealed with
 * AES-256-GCM under KEEL_SECRETS_KEY (a Worker secret: base64 of 32 random
 * bytes). `bind` is authenticated but not stored in the box (the row's id),
 * so a box copied onto another row does not open.
 */
const VERSION = "v1";

export class SecretBoxKeyError extends Error {}

async function importKey(keyBase64: string | undefined): Promise<CryptoKey> {
  if (!keyBase64) throw new SecretBoxKeyError("KEEL_SECRETS_KEY is not set (base64 of 32 random bytes: `openssl rand -base64 32 | wrangler secret put KEEL_SECRETS_KEY`)");
  let raw: Uint8Array;
  try {
    raw = base64ToBytes(keyBase64);
  } catch {
    throw new SecretBoxKeyError("KEEL_SECRETS_KEY is not base64");
  }
  if (raw.byteLength !== 32) throw new SecretBoxKeyError(`KEEL_SECRETS_KEY must decode to 32 bytes, not ${raw.byteLength}`);
  return crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
}

export async function sealSecret(keyBase64: string | undefined, plaintext: string, bind: string): Promise<string> {
  const key = await importKey(keyBase64);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: new TextEncoder().encode(bind) }, key, new TextEncoder().encode(plaintext));
  return `${VERSION}.${bytesToBase64(iv)}.${bytesToBase64(new Uint8Array(sealed))}`;
}

/** The plaintext; throws if the box was sealed under another key or for another `bind`. */
export async function openSecret(keyBase64: string | undefined, box: string, bind: string): Promise<string> {
  const key = await importKey(keyBase64);
  const [version, iv, data] = box.split(".");
  if (version !== VERSION || !iv || !data) throw new Error("not a sealed secret");
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: base64ToBytes(iv), additionalData: new TextEncoder().encode(bind) }, key, base64ToBytes(data));
  return new TextDecoder().decode(plain);
}

export function bytesToBase64(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}

/** Standard base64 (padding optional); throws on anything else. */
export function base64ToBytes(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Whether KEEL_SECRETS_KEY is set and well formed, as a sentence naming what is wrong, or null. */
export async function secretsKeyProblem(keyBase64: string | undefined): Promise<string | null> {
  try {
    await importKey(keyBase64);
    return null;
  } catch (err) {
    if (err instanceof SecretBoxKeyError) return err.message;
    throw err;
  }
}

/** openSecret, or null when the box was sealed under another key or for another row, or is damaged. */
export async function openSecretOrNull(keyBase64: string | undefined, box: string, bind: string): Promise<string | null> {
  try {
    return await openSecret(keyBase64, box, bind);
  } catch {
    return null;
  }
}
