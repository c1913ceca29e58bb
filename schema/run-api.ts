import { z } from "zod";

/**
 * Request and response bodies of the run routes (POST /clusters/:name/facts,
 * POST /clusters/:name/apply, GET /runs/:id, GET /runs/:id/events,
 * POST /runs/:id/cancel). Kept beside api.ts; the worker builds these,
 * clients and tests parse them.
 */

export const RunId = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, "must be a run id (letters, digits, '_', '-')");

export const RunStatus = z.enum(["queued", "waiting_for_relay", "running", "succeeded", "failed", "cancelled"]);
export type RunStatus = z.infer<typeof RunStatus>;

export const StepStatus = z.enum(["pending", "running", "succeeded", "failed", "skipped", "cancelled"]);
export type StepStatus = z.infer<typeof StepStatus>;

export const RUN_EVENTS_PAGE_MAX = 1000;

const QueryFlag = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

/**
 * `?after=<event id>`: only newer events (poll with the previous page's `next`).
 * `?follow=true`: a `text/event-stream` instead, until the run ends (then
 * `Last-Event-ID` or `after` resumes it).
 */
export const RunEventsQuery = z.object({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(RUN_EVENTS_PAGE_MAX).default(500),
  follow: QueryFlag.default(false),
});
export type RunEventsQuery = z.infer<typeof RunEventsQuery>;

export const RunSummary = z.object({
  id: z.string(),
  cluster: z.string(),
  operation: z.string(),
  status: RunStatus,
  revision: z.number().int(),
  requestedBy: z.string(),
  createdAt: z.number(),
});
export type RunSummary = z.infer<typeof RunSummary>;

export const StartRunResponse = z.object({ run: RunSummary });
export type StartRunResponse = z.infer<typeof StartRunResponse>;

/** One host's step in one phase. */
export const RunHostView = z.object({
  host: z.string(),
  stepId: z.string(),
  kind: z.string(),
  status: StepStatus,
  exitCode: z.number().int().nullable(),
  error: z.string().nullable(),
  /** The failed command's stderr (bounded by the relay); null for steps that did not fail. */
  stderr: z.string().nullable(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  durationMs: z.number().nullable(),
});
export type RunHostView = z.infer<typeof RunHostView>;

export const RunPhaseView = z.object({
  name: z.string(),
  status: z.enum(["pending", "running", "succeeded", "failed", "skipped", "cancelled"]),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  durationMs: z.number().nullable(),
  hosts: z.array(RunHostView),
});
export type RunPhaseView = z.infer<typeof RunPhaseView>;

export const RunView = RunSummary.extend({
  error: z.string().nullable(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  durationMs: z.number().nullable(),
  phases: z.array(RunPhaseView),
});
export type RunView = z.infer<typeof RunView>;

export const RunResponse = z.object({ run: RunView });
export type RunResponse = z.infer<typeof RunResponse>;

export const RunEventView = z.object({
  id: z.number().int(),
  at: z.number(),
  level: z.enum(["info", "warn", "error"]),
  type: z.string(),
  phase: z.string().nullable(),
  host: z.string().nullable(),
  message: z.string(),
});
export type RunEventView = z.infer<typeof RunEventView>;

export const RunEventsPage = z.object({
  events: z.array(RunEventView),
  /** Pass as `?after=` to get only newer events. */
  next: z.number().int(),
});
export type RunEventsPage = z.infer<typeof RunEventsPage>;

/** `POST /clusters/:name/apply?dryRun=true&timeout=<seconds>`: timeout bounds every readiness wait of the plan. */
export const ApplyQuery = z.object({
  dryRun: QueryFlag.default(false),
  timeout: z.coerce.number().int().min(1).max(6 * 3600).optional(),
});
export type ApplyQuery = z.infer<typeof ApplyQuery>;

/** What apply changes compared with the last applied revision (the planner's ApplyChanges). */
export const ApplyChangesView = z.object({
  hostsAdded: z.array(z.string()),
  hostsRemoved: z.array(z.string()),
  hostsReset: z.array(z.string()),
  version: z.object({ from: z.string().nullable(), to: z.string() }).nullable(),
  files: z.array(z.object({ host: z.string(), added: z.array(z.string()), removed: z.array(z.string()), changed: z.array(z.string()) })),
  config: z.array(z.object({ path: z.string(), from: z.unknown().optional(), to: z.unknown().optional() })),
  actions: z.record(z.string(), z.enum(["install", "upgrade", "keep", "reset", "absent"])),
});
export type ApplyChangesView = z.infer<typeof ApplyChangesView>;

export const DryRunResponse = z.object({
  dryRun: z.literal(true),
  /** The revision that was planned (the cluster's current one). */
  revision: z.number().int(),
  plan: z.object({
    phases: z.array(z.object({ name: z.string(), steps: z.array(z.object({ id: z.string(), kind: z.string(), host: z.string() })) })),
  }),
  changes: ApplyChangesView,
  warnings: z.array(z.string()),
});
export type DryRunResponse = z.infer<typeof DryRunResponse>;

/** `POST /runs/:id/cancel` (202): the run stops after its steps in flight and its cleanup; poll it for `cancelled`. */
export const CancelRunResponse = z.object({ run: RunSummary });
export type CancelRunResponse = z.infer<typeof CancelRunResponse>;

/** `data:` of the final `event: end` of a followed event stream. */
export const RunStreamEnd = z.object({ status: RunStatus, error: z.string().nullable(), durationMs: z.number().nullable() });
export type RunStreamEnd = z.infer<typeof RunStreamEnd>;

/** Run statuses that still hold (or wait for) their cluster. */
export const ACTIVE_RUN_STATUSES = ["queued", "waiting_for_relay", "running"] as const;
/** Run statuses a run never leaves. */
export const FINISHED_RUN_STATUSES: ReadonlySet<string> = new Set(["succeeded", "failed", "cancelled"]);

/**
 * `POST /clusters/:name/reset?confirm=NAME[&dryRun=true]`: takes k0s off every
 * host. `confirm` must repeat the cluster's name, so a reset is never one
 * mistyped path away.
 */
export const ResetQuery = z.object({
  confirm: z.string().max(253).optional(),
  dryRun: QueryFlag.default(false),
});
export type ResetQuery = z.infer<typeof ResetQuery>;

export const ResetDryRunResponse = z.object({
  dryRun: z.literal(true),
  plan: DryRunResponse.shape.plan,
  warnings: z.array(z.string()),
});
export type ResetDryRunResponse = z.infer<typeof ResetDryRunResponse>;
