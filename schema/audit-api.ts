import { z } from "zod";
import { AuditOutcome, ClusterName, cursorParam, limitParam } from "./api";

/**
 * The audit history API: `GET /v1/audit` (a page, or an export with
 * `?format=`), `GET /v1/audit/checkpoint` and `GET /v1/audit/public-key`.
 */

export const AUDIT_PAGE_DEFAULT = 50;
export const AUDIT_PAGE_MAX = 500;

const DURATION_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const DURATION = /^(\d{1,6})([smhdw])$/;
// A date, or a date and time with its zone: a time without a zone would mean the server's zone (UTC), not the user's.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/**
 * `since` / `until`: an ISO 8601 time (2026-12-01, 2026-12-01T10:00:00Z) or a
 * duration back from now (90s, 30m, 24h, 7d, 2w), resolved to unix ms when
 * the request is parsed.
 */
export const AuditTimeParam = z.string().transform((text, ctx) => {
  const duration = DURATION.exec(text);
  if (duration) return Date.now() - Number(duration[1]) * DURATION_MS[duration[2] as keyof typeof DURATION_MS];
  const at = ISO_TIME.test(text) ? Date.parse(text) : NaN;
  if (Number.isFinite(at)) return at;
  ctx.addIssue({ code: "custom", message: "must be an ISO 8601 time with its zone (2026-12-01, 2026-12-01T10:00:00Z) or a duration back from now (30m, 24h, 7d)" });
  return z.NEVER;
});

/** A page position: entries are ordered by (at, seq), newest first. */
export const AuditCursor = z.strictObject({ at: z.number().int(), seq: z.number().int().min(1) });
export type AuditCursor = z.infer<typeof AuditCursor>;

export const AUDIT_EXPORT_FORMATS = ["ndjson", "csv"] as const;
export const AuditExportFormat = z.enum(AUDIT_EXPORT_FORMATS, "must be json, ndjson or csv");
export type AuditExportFormat = z.infer<typeof AuditExportFormat>;

/** What every lookup and export filters on; all given filters must match. */
export const AuditFilters = z.object({
  cluster: ClusterName.optional(),
  /** token:<id>, relay:<name>, system, bootstrap… exactly as stored. */
  actor: z.string().min(1, "must not be empty").max(200, "must be at most 200 characters").optional(),
  /** cluster.create, run.start… exactly as stored. */
  action: z.string().min(1, "must not be empty").max(100, "must be at most 100 characters").optional(),
  outcome: z.enum(AuditOutcome.options, `must be one of ${AuditOutcome.options.join(", ")}`).optional(),
  /** A run id: the run's own entries (run.start, run.finish, run.cancel) name it as their target. */
  run: z.string().min(1, "must not be empty").max(100, "must be at most 100 characters").optional(),
  since: AuditTimeParam.optional(),
  until: AuditTimeParam.optional(),
});
export type AuditFilters = z.infer<typeof AuditFilters>;

export const AuditQuery = AuditFilters.extend({
  limit: limitParam(AUDIT_PAGE_MAX, AUDIT_PAGE_DEFAULT),
  cursor: cursorParam(AuditCursor).optional(),
  /** json (default): one page; ndjson or csv: the whole filtered history, streamed, oldest first. */
  format: z.enum(["json", ...AUDIT_EXPORT_FORMATS], "must be json, ndjson or csv").default("json"),
}).superRefine((q, ctx) => {
  if (q.since !== undefined && q.until !== undefined && q.since > q.until) ctx.addIssue({ code: "custom", path: ["until"], message: "must not be before since" });
  if (q.format !== "json" && q.cursor !== undefined) ctx.addIssue({ code: "custom", path: ["cursor"], message: "pages the json format only (an export streams everything)" });
});
export type AuditQuery = z.infer<typeof AuditQuery>;

const JsonObject = z.record(z.string(), z.unknown());

export const AuditEntryView = z.object({
  seq: z.number().int(),
  at: z.number(),
  actor: z.string(),
  action: z.string(),
  cluster: z.string().nullable(),
  target: z.string().nullable(),
  outcome: AuditOutcome,
  details: JsonObject.nullable(),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditEntryView = z.infer<typeof AuditEntryView>;

export const AuditPage = z.object({
  entries: z.array(AuditEntryView),
  /** Pass as `?cursor=` (with the same filters) for the next, older page; null on the last page. */
  nextCursor: z.string().nullable(),
});
export type AuditPage = z.infer<typeof AuditPage>;

const Base64 = z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/, "must be base64");

/** `?seq=`: sign that entry's (seq, hash) instead of the head, e.g. the last entry of an export. */
export const AuditCheckpointQuery = z.object({ seq: z.coerce.number("must be a seq number").int("must be a whole number").min(1, "must be at least 1").optional() });
export type AuditCheckpointQuery = z.infer<typeof AuditCheckpointQuery>;

/** The chain head (or the entry `?seq=` names), signed with the Worker's AUDIT_SIGNING_KEY (Ed25519) over schema/audit-hash.ts's checkpointMessage. */
export const AuditCheckpoint = z.object({
  /** The newest entry's seq (0 when the log is empty), or the one asked for. */
  seq: z.number().int().min(0),
  hash: z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex digits"),
  /** When the checkpoint was signed (unix ms). */
  at: z.number().int(),
  /** The raw 32-byte Ed25519 public key, base64. */
  publicKey: Base64,
  /** The 64-byte Ed25519 signature, base64. */
  signature: Base64,
});
export type AuditCheckpoint = z.infer<typeof AuditCheckpoint>;

export const AuditPublicKey = z.object({
  algorithm: z.literal("Ed25519"),
  /** The raw 32-byte public key, base64: what `keel audit verify --public-key` pins. */
  publicKey: Base64,
  /** The same key as an SPKI PEM, for openssl. */
  pem: z.string(),
});
export type AuditPublicKey = z.infer<typeof AuditPublicKey>;
