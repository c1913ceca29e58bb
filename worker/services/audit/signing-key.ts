import { KeelError } from "../../../schema/errors";

/** The Worker secret holding the checkpoint signing key. */
export const SIGNING_KEY_SECRET = "AUDIT_SIGNING_KEY";

export interface SigningKey {
  privateKey: CryptoKey;
  /** The raw 32-byte public key. */
  publicKey: Uint8Array;
}

// The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): the raw key follows it.
const SPKI_ED25519_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

// Importing costs a few WebCrypto calls: keep the key for the isolate's life (keyed by the secret, which a deploy may change).
const cache = new Map<string, Promise<SigningKey>>();

/**
 * The Ed25519 key from AUDIT_SIGNING_KEY: a PKCS8 PEM (`openssl genpkey
 * -algorithm ed25519`) or the same DER in base64. Unset or unreadable is a
 * 503 naming the secret, never echoing it.
 */
export function signingKey(secret: string | undefined): Promise<SigningKey> {
  if (secret === undefined || secret.trim() === "") {
    return Promise.reject(new KeelError("not_configured", `audit checkpoints are not configured: set the Worker secret ${SIGNING_KEY_SECRET} (an Ed25519 private key, see README: Audit)`));
  }
  let key = cache.get(secret);
  if (!key) {
    key = importSigningKey(secret);
    cache.set(secret, key);
    key.catch(() => cache.delete(secret));
  }
  return key;
}

async function importSigningKey(secret: string): Promise<SigningKey> {
  try {
    const body = secret.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, "").replace(/\\n|\s/g, "");
    const der = Uint8Array.from(atob(body), (ch) => ch.charCodeAt(0));
    const privateKey = await crypto.subtle.importKey("pkcs8", der, { name: "Ed25519" }, true, ["sign"]);
    const jwk = await crypto.subtle.exportKey("jwk", privateKey);
    if (typeof jwk === "object" && "x" in jwk && typeof jwk.x === "string") return { privateKey, publicKey: base64UrlBytes(jwk.x) };
  } catch {
    // reported below, without the secret or the runtime's description of it
  }
  throw new KeelError("not_configured", `the Worker secret ${SIGNING_KEY_SECRET} is not an Ed25519 private key (give a PKCS8 PEM or its DER in base64)`);
}

function base64UrlBytes(text: string): Uint8Array {
  return Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (ch) => ch.charCodeAt(0));
}

export function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

/** The public key as an SPKI PEM, for openssl users. */
export function publicKeyPem(publicKey: Uint8Array): string {
  const der = new Uint8Array(SPKI_ED25519_PREFIX.length + publicKey.length);
  der.set(SPKI_ED25519_PREFIX);
  der.set(publicKey, SPKI_ED25519_PREFIX.length);
  return `-----BEGIN PUBLIC KEY-----\n${toBase64(der)}\n-----END PUBLIC KEY-----\n`;
}
