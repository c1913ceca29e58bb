import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";

// The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): the raw 32-byte key follows it.
const SPKI_PREFIX = "302a300506032b6570032100";

/**
 * A pinned Ed25519 public key as the user gives it: the API's `publicKey`
 * (base64 of the raw 32 bytes), an SPKI PEM (`openssl pkey -pubout`), or a
 * file holding either. Returns the raw key, or why the text is none.
 */
export function readPublicKey(given: string, cwd: string): { ok: true; key: Uint8Array } | { ok: false; message: string } {
  let text = given.trim();
  const path = resolve(cwd, text);
  if (!/^[A-Za-z0-9+/=_-]+$/.test(text) || (text.length < 40 && existsSync(path))) {
    if (!existsSync(path)) return { ok: false, message: "is neither a base64 Ed25519 public key, a PEM, nor a file" };
    text = readFileSync(path, "utf8").trim();
  }
  const body = text.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, "").replace(/\s/g, "").replace(/-/g, "+").replace(/_/g, "/");
  const bytes = Buffer.from(body, "base64");
  if (bytes.length === 32) return { ok: true, key: new Uint8Array(bytes) };
  if (bytes.length === 44 && bytes.subarray(0, 12).toString("hex") === SPKI_PREFIX) return { ok: true, key: new Uint8Array(bytes.subarray(12)) };
  return { ok: false, message: "is not an Ed25519 public key (32 bytes in base64, or an SPKI PEM)" };
}

export function keyFingerprint(key: Uint8Array): string {
  return Buffer.from(key).toString("base64");
}
