import { sha256Hex } from "./secrets";
import { canonicalJson } from "./canonical-json";
import type { AuditOutcome } from "../../schema/api";

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

/**
 * hash = sha256(prevHash + canonical JSON of the entry). Append and verify
 * both call this, so they cannot drift apart.
 */
export function entryHash(prevHash: string, entry: HashedEntry): Promise<string> {
  const { seq, at, actor, action, cluster, target, outcome, details } = entry;
  return sha256Hex(prevHash + canonicalJson({ seq, at, actor, action, cluster, target, outcome, details }));
}
