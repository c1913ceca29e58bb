import { desc, eq } from "drizzle-orm";
import { KeelError } from "../../../schema/errors";
import { GENESIS_HASH, checkpointMessage } from "../../../schema/audit-hash";
import type { AuditCheckpoint, AuditPublicKey } from "../../../schema/audit-api";
import { auditLog } from "../../../schema/tables";
import { openDb } from "../../core/db";
import { publicKeyPem, signingKey, toBase64 } from "./signing-key";

/**
 * The chain head signed with AUDIT_SIGNING_KEY. Whoever keeps a copy (and
 * the public key, pinned apart from this server) can later prove that an
 * export up to this seq is what the log held, and that no entry up to it
 * was changed, dropped or reordered since (`keel audit verify`). `seq`
 * signs an older entry's (seq, hash): what the log holds there now.
 */
export async function signCheckpoint(d1: D1Database, secret: string | undefined, seq?: number): Promise<AuditCheckpoint> {
  const key = await signingKey(secret);
  const db = openDb(d1);
  const columns = { seq: auditLog.seq, hash: auditLog.hash };
  const entry = seq === undefined ? await db.select(columns).from(auditLog).orderBy(desc(auditLog.seq)).limit(1).get() : await db.select(columns).from(auditLog).where(eq(auditLog.seq, seq)).get();
  if (seq !== undefined && !entry) throw new KeelError("not_found", `no audit entry has seq ${seq}`);
  const signed = { seq: entry?.seq ?? 0, hash: entry?.hash ?? GENESIS_HASH, at: Date.now() };
  const signature = new Uint8Array(await crypto.subtle.sign("Ed25519", key.privateKey, checkpointMessage(signed)));
  return { ...signed, publicKey: toBase64(key.publicKey), signature: toBase64(signature) };
}

export async function checkpointPublicKey(secret: string | undefined): Promise<AuditPublicKey> {
  const key = await signingKey(secret);
  return { algorithm: "Ed25519", publicKey: toBase64(key.publicKey), pem: publicKeyPem(key.publicKey) };
}
