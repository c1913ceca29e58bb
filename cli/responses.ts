import { z } from "zod";
import { ErrorBody } from "../schema/errors";
import { RunEventView, RunStatus } from "../schema/run-api";

/**
 * Response bodies as the CLI reads them. schema/ holds the server's exact
 * shapes; these are deliberately looser (only the fields the CLI uses, the
 * ones it merely prints read as unknown) because a CLI release meets API
 * releases older and newer than itself, and a new field or a richer diff
 * entry must not make it refuse an answer.
 */

/** POST /v1/clusters (201) and PUT /v1/clusters/:name (200). */
export const ClusterWriteResponse = z.object({
  cluster: z.object({ name: z.string(), currentRevision: z.number().int().optional() }),
  unchanged: z.boolean().optional(),
});
export type ClusterWriteResponse = z.infer<typeof ClusterWriteResponse>;

/** 202 from POST …/apply and …/facts: the run to follow. */
export const StartedRun = z.object({ run: z.object({ id: z.string().min(1), status: RunStatus.optional() }) });
export type StartedRun = z.infer<typeof StartedRun>;

/** A step's target: "address:port" or the HostTarget object. */
const PlanHost = z.union([z.string(), z.object({ address: z.string(), port: z.number().int().optional() })]).nullish();

export const PlanView = z.object({
  phases: z.array(
    z.object({
      name: z.string(),
      steps: z.array(z.object({ id: z.string(), kind: z.string(), host: PlanHost })),
    }),
  ),
});
export type PlanView = z.infer<typeof PlanView>;

export const ChangesView = z.object({
  hostsAdded: z.array(z.string()).default([]),
  hostsRemoved: z.array(z.string()).default([]),
  hostsReset: z.array(z.string()).default([]),
  version: z.object({ from: z.string().nullable(), to: z.string() }).nullish(),
  files: z.array(z.unknown()).default([]),
  config: z.array(z.unknown()).default([]),
  actions: z.unknown().optional(),
});
export type ChangesView = z.infer<typeof ChangesView>;

/** 200 from POST …/apply?dryRun=true. */
export const DryRunResponse = z.object({
  dryRun: z.literal(true),
  /** The revision that was planned. */
  revision: z.number().int().optional(),
  plan: PlanView,
  changes: ChangesView.default({ hostsAdded: [], hostsRemoved: [], hostsReset: [], files: [], config: [] }),
  warnings: z.array(z.string()).default([]),
});
export type DryRunResponse = z.infer<typeof DryRunResponse>;

export const ApplyResponse = z.union([DryRunResponse, StartedRun]);
export type ApplyResponse = z.infer<typeof ApplyResponse>;

/** `event: run-event` data: a stored event (the stream may leave out `at`). */
export const StreamedRunEvent = RunEventView.extend({ at: z.number().optional() });
export type StreamedRunEvent = z.infer<typeof StreamedRunEvent>;

/** `event: end` data: how the run finished. */
export const StreamEnd = z.object({
  status: RunStatus,
  error: z.string().nullable().default(null),
  durationMs: z.number().nullish(),
});
export type StreamEnd = z.infer<typeof StreamEnd>;

/** GET /v1/clusters/:name/kubeconfig when answered as JSON rather than YAML text. */
export const KubeconfigResponse = z.object({ kubeconfig: z.string() });

/** GET /v1/runs/:id, as far as following a run needs it. */
export const RunStateResponse = z.object({
  run: z.object({ id: z.string(), status: RunStatus, error: z.string().nullable().default(null), durationMs: z.number().nullish() }),
});

/** GET /v1/runs/:id/events?after=N */
export const RunEventsResponse = z.object({ events: z.array(StreamedRunEvent) });

/**
 * The API's error body with its code read as any string: a newer API may add
 * a code, and its message must still reach the user (api-client.ts narrows
 * the code to ErrorCode and calls an unknown one http_error).
 */
export const LooseErrorResponse = z.object({ error: ErrorBody.extend({ code: z.string() }) });
