import { canonicalJson } from "./canonical-json";
import { sha256Hex } from "./sha256";
import type { AuditOutcome } from "./api";

/**
 * The audit chain's hash, in schema/ so the Worker (append, verify) and the
 * CLI (`keel audit verify`, offline) compute it with the same code.
 */

/** Genesis: the prevHash of seq 1. */
export const GENESIS_HASH = "0".repeat(64);

/** The fields of an audit row that its hash covers (everything but prevHash and hash). */
export interface HashedEntry {
  seq: number;
  at: number;
  actor: string;
  action: string;
  cluster: string | null;
  target: string | null;
  outcome: AuditOutcome;
  details: Record<string, unknown> | null;
}

/** hash = sha256(prevHash + canonical JSON of the entry). */
export function entryHash(prevHash: string, entry: HashedEntry): Promise<string> {
  const { seq, at, actor, action, cluster, target, outcome, details } = entry;
  return sha256Hex(prevHash + canonicalJson({ seq, at, actor, action, cluster, target, outcome, details }));
}

/** What a checkpoint's signature covers: the chain head (seq 0 and the genesis hash when the log is empty) and when it was signed. */
export interface CheckpointHead {
  seq: number;
  hash: string;
  at: number;
}

/**
 * The exact bytes an Ed25519 checkpoint signature covers. A fixed line format
 * with a version tag, so a signature over anything else keel signs can never
 * pass for a checkpoint.
 */
export function checkpointMessage(head: CheckpointHead): Uint8Array {
  return new TextEncoder().encode(`keel-audit-checkpoint-v1\nseq=${head.seq}\nhash=${head.hash}\nat=${head.at}\n`);
}
