import { z } from "zod";
import type { ErrorBody } from "../../schema/errors";
import { RunId, type RunSummary } from "../../schema/run-api";
import { BackupAddresses, BackupStatus } from "../../schema/backup-api";
import { BackupId } from "../../schema/steps-backup";
import { OPERATION_NAMES } from "../planner/operations";

/**
 * The ClusterObject's RPC contract for runs: what services send it and what
 * it answers. Failures are the one ErrorBody of schema/errors.ts.
 */
export const StartRunInput = z.object({
  cluster: z.string().min(1).max(253),
  operation: z.enum(OPERATION_NAMES),
  requestedBy: z.string().min(1).max(200),
  runId: RunId.optional(),
  /** apply: overrides the readiness waits (k0s.wait.ready) of the plan, in milliseconds. */
  waitTimeoutMs: z.number().int().min(1000).max(6 * 3600_000).optional(),
  /** restore: the backup's metadata (loaded from D1 by the service) and the reset confirmation. */
  restore: z
    .object({
      backup: z.object({
        id: BackupId,
        cluster: z.string().max(253),
        status: BackupStatus,
        error: z.string().max(2000).nullable(),
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
        addresses: BackupAddresses,
      }),
      reset: z.string().max(253).nullable(),
    })
    .optional(),
  /** certs.renew: restart the workers too. */
  workers: z.boolean().optional(),
  /** Refuse (conflict) unless the cluster's current revision is this one: checked under the cluster's lock. */
  revision: z.number().int().min(1).optional(),
});
export type StartRunInput = z.infer<typeof StartRunInput>;

export type { RunSummary };

export type RunResult = { ok: true; run: RunSummary } | { ok: false; error: ErrorBody };

/** What the ClusterObject tells the relay side about a step.started / step.finished it forwarded. */
export interface StepAck {
  accepted: boolean;
  duplicate?: boolean;
  reason?: string;
}
