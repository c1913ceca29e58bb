import type { AuditCheckpoint } from "../schema/audit-api";
import { GENESIS_HASH, checkpointMessage, entryHash } from "../schema/audit-hash";
import type { AuditExportEntry, ParsedLine } from "../schema/audit-export";

export type ExportVerdict =
  | {
      ok: true;
      entries: number;
      first: number;
      last: number;
      /** Entries newer than the checkpoint: intact links, but no signature covers them yet. */
      afterCheckpoint: number;
    }
  /** The first problem, in seq order: `seq` (and `line`) name the bad entry when there is one. */
  | { ok: false; seq?: number; line?: number; problem: string };

/**
 * Checks an export offline: every entry's hash recomputed from its fields
 * and prevHash, every link to the entry before it, no seq missing or
 * repeated, the checkpoint's Ed25519 signature under `publicKey`, and the
 * checkpoint's (seq, hash) among the entries. A valid signature on the last
 * hash vouches for every entry before it, because each hash covers the one
 * before: editing, dropping or reordering anything up to the checkpoint
 * changes a hash the signature covers.
 */
export async function verifyAuditExport(lines: readonly ParsedLine[], checkpoint: AuditCheckpoint, publicKey: Uint8Array): Promise<ExportVerdict> {
  const unreadable = lines.find((l) => !l.ok);
  if (unreadable && !unreadable.ok) return { ok: false, line: unreadable.line, problem: `line ${unreadable.line} is not an audit entry: ${unreadable.error}` };
  const entries = lines.flatMap((l) => (l.ok ? [{ ...l.entry, line: l.line }] : [])).sort((a, b) => a.seq - b.seq);
  let previous: (AuditExportEntry & { line: number }) | undefined;
  for (const entry of entries) {
    const bad = (problem: string): ExportVerdict => ({ ok: false, seq: entry.seq, line: entry.line, problem: `seq ${entry.seq} (line ${entry.line}): ${problem}` });
    if (previous?.seq === entry.seq) return bad(`appears twice (also line ${previous.line})`);
    if (previous && entry.seq !== previous.seq + 1) {
      return bad(`seq ${previous.seq + 1}${entry.seq - 1 > previous.seq + 1 ? `..${entry.seq - 1}` : ""} missing before it: an export with filters other than --since cannot be verified`);
    }
    if (entry.seq === 1 && entry.prevHash !== GENESIS_HASH) return bad("prevHash is not the genesis hash (64 zeros)");
    if (previous && entry.prevHash !== previous.hash) return bad(`prevHash is not seq ${previous.seq}'s hash (an entry was changed, inserted or reordered)`);
    if ((await entryHash(entry.prevHash, entry)) !== entry.hash) return bad("hash does not match the entry's content (a field was changed)");
    previous = entry;
  }

  const signature = Buffer.from(checkpoint.signature, "base64");
  const key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
  if (!(await crypto.subtle.verify("Ed25519", key, signature, checkpointMessage(checkpoint)))) {
    return { ok: false, problem: "the checkpoint's signature does not verify with the public key: it was forged or changed, or another key signed it" };
  }
  const first = entries[0];
  const last = entries.at(-1);
  if (!first || !last) return checkpoint.seq === 0 ? { ok: true, entries: 0, first: 0, last: 0, afterCheckpoint: 0 } : { ok: false, problem: "the export holds no entries" };
  const signed = entries.find((e) => e.seq === checkpoint.seq);
  if (!signed) return { ok: false, problem: `the checkpoint's seq ${checkpoint.seq} is not in the export (seq ${first.seq}..${last.seq}): export again, or verify against a checkpoint inside it` };
  if (signed.hash !== checkpoint.hash) return { ok: false, seq: signed.seq, line: signed.line, problem: `seq ${signed.seq} (line ${signed.line}): hash differs from the signed checkpoint's (the chain up to it was rewritten)` };
  return { ok: true, entries: entries.length, first: first.seq, last: last.seq, afterCheckpoint: entries.filter((e) => e.seq > checkpoint.seq).length };
}
