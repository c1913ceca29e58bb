import { z } from "zod";
import { ClusterName } from "./api";
import { DryRunResponse } from "./run-api";
import { BackupContents, BackupId } from "./steps-backup";

/** Request and response bodies of /v1/clusters/:name/backups and /restore. */

/** What a backup was taken against: a restore refuses a spec whose controllers or externalAddress moved. */
export const BackupAddresses = z.object({
  /** "address:port" of every controller of the spec the backup was taken under. */
  controllers: z.array(z.string().max(300)).max(1000),
  externalAddress: z.string().max(300).nullable(),
});
export type BackupAddresses = z.infer<typeof BackupAddresses>;

export const BackupStatus = z.enum(["verified", "failed", "deleted"]);
export type BackupStatus = z.infer<typeof BackupStatus>;

export const BackupView = z.object({
  id: BackupId,
  cluster: z.string(),
  revision: z.number().int(),
  host: z.string(),
  k0sVersion: z.string(),
  size: z.number().int(),
  sha256: z.string(),
  contents: BackupContents,
  status: BackupStatus,
  error: z.string().nullable(),
  runId: z.string(),
  createdAt: z.number().int(),
  deletedAt: z.number().int().nullable(),
});
export type BackupView = z.infer<typeof BackupView>;

export const BackupList = z.object({ backups: z.array(BackupView) });
export type BackupList = z.infer<typeof BackupList>;

export const RestoreBody = z
  .object({
    backup: BackupId,
    /** Required when k0s runs on any host of the cluster: the cluster's name, confirming it is stopped and reset first. */
    reset: ClusterName.optional(),
    dryRun: z.boolean().default(false),
    /** Seconds: bounds each readiness wait, the check that every worker is Ready again included (as apply's ?timeout=). */
    timeout: z.number().int().min(1).max(6 * 3600).optional(),
  })
  .strict();
export type RestoreBody = z.infer<typeof RestoreBody>;

export const RestoreDryRunResponse = z.object({
  dryRun: z.literal(true),
  plan: DryRunResponse.shape.plan,
  warnings: z.array(z.string()),
});
export type RestoreDryRunResponse = z.infer<typeof RestoreDryRunResponse>;
