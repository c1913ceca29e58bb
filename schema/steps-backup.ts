import { z } from "zod";
import { SafePath, StepBase } from "./step-base";

/**
 * Backup and restore steps. The archive holds the cluster's CA keys, so it
 * never leaves the private network: the relay streams it between the leader
 * and its own encrypted store (relay.yaml `backups`), and the API only ever
 * sees its metadata (the `backup` step report).
 */

/** A backup's id in the relay's store and in D1: the relay derives it from the run, so a re-sent step names the same backup. */
export const BackupId = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, "must be a backup id (letters, digits, '_', '-')");
export type BackupId = z.infer<typeof BackupId>;

/** The store's folder per cluster: a cluster name (DNS label characters only). */
const StoreCluster = z.string().regex(/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/, "must be a cluster name");

/**
 * On the leader: `k0s backup --save-path <temp dir>`, the archive streamed
 * over SFTP into the relay's store (encrypted on the way), the host's copy
 * removed, the stored file verified, older backups of the cluster pruned.
 */
export const K0sBackupStep = StepBase.extend({
  kind: z.literal("k0s.backup"),
  cluster: StoreCluster,
  installPath: SafePath,
  dataDir: SafePath,
});
export type K0sBackupStep = z.infer<typeof K0sBackupStep>;

/**
 * On a stopped leader: the archive decrypted from the store on its way up to
 * a temp file, `k0s restore --data-dir <d> <file>`, the temp file removed.
 */
export const K0sRestoreStep = StepBase.extend({
  kind: z.literal("k0s.restore"),
  cluster: StoreCluster,
  backupId: BackupId,
  /** The sha256 D1 recorded: the relay refuses an archive whose plaintext no longer matches. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  installPath: SafePath,
  dataDir: SafePath,
});
export type K0sRestoreStep = z.infer<typeof K0sRestoreStep>;

export const BackupStep = z.discriminatedUnion("kind", [K0sBackupStep, K0sRestoreStep]);
export type BackupStep = z.infer<typeof BackupStep>;

/** What a backup archive holds, read from its member list. */
export const BackupContents = z.object({
  /** etcd-snapshot.db (etcd) or kine-state-backup.db (kine/SQLite); null when neither is there. */
  storage: z.enum(["etcd", "kine"]).nullable(),
  pki: z.boolean(),
  manifests: z.boolean(),
  images: z.boolean(),
  config: z.boolean(),
});
export type BackupContents = z.infer<typeof BackupContents>;

/** A backup can be restored only when it holds all of these. */
export function backupIsComplete(c: BackupContents): boolean {
  return c.storage !== null && c.pki && c.config;
}

/** The `backup` step report: metadata only, never bytes or keys. */
export const BackupReport = z.object({
  kind: z.literal("backup"),
  id: BackupId,
  status: z.enum(["verified", "failed"]),
  error: z.string().max(2000).optional(),
  /** Bytes of the plaintext archive. */
  size: z.number().int().min(0),
  /** sha256 of the plaintext archive, lowercase hex. */
  sha256: z.string().max(64),
  contents: BackupContents,
  k0sVersion: z.string().max(100),
  /** "address:port" of the leader it was taken on. */
  host: z.string().max(300),
  createdAt: z.number().int(),
  /** Older backups of the cluster this one's retention deleted from the store. */
  pruned: z.array(BackupId).max(10_000),
});
export type BackupReport = z.infer<typeof BackupReport>;
