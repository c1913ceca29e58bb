import { z } from "zod";
import { ErrorBody } from "./errors";

/**
 * Request and response bodies of keel's HTTP API. The worker parses every
 * request with these; clients and tests parse responses with them.
 */

// ── names ────────────────────────────────────────────────────────────────

/** Sites, relays and token names end up in URLs, logs and Durable Object names: keep them DNS-label-like. */
export const ResourceName = z
  .string()
  .regex(
    /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/,
    "must be 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit",
  );
export type ResourceName = z.infer<typeof ResourceName>;

/** Cluster names also allow dots (a DNS name, like k0sctl's metadata.name). */
export const ClusterName = z
  .string()
  .max(253, "must be at most 253 characters")
  .regex(
    /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/,
    "must be lowercase letters, digits, '-' or '.', starting and ending with a letter or digit",
  );
export type ClusterName = z.infer<typeof ClusterName>;

export const Role = z.enum(["viewer", "operator", "admin"]);
export type Role = z.infer<typeof Role>;

// ── requests ─────────────────────────────────────────────────────────────

export const ClusterParams = z.object({ name: ClusterName });
export type ClusterParams = z.infer<typeof ClusterParams>;

export const RelayParams = z.object({ name: ResourceName });
export type RelayParams = z.infer<typeof RelayParams>;

/** API tokens are named by the UUID minted with them. */
export const TokenId = z.uuid("must be a token id (a UUID)");
export const TokenParams = z.object({ id: TokenId });
export type TokenParams = z.infer<typeof TokenParams>;

/** `?site=` on a YAML create/update. */
export const SiteQuery = z.object({ site: ResourceName.optional() });
export type SiteQuery = z.infer<typeof SiteQuery>;

/**
 * The JSON form of a cluster create/update: the k0sctl object as `spec`, or
 * the k0sctl.yaml text as `yaml` (exactly one of them).
 */
export const ClusterJsonBody = z
  .strictObject({
    site: ResourceName.optional(),
    spec: z.record(z.string(), z.unknown()).optional(),
    yaml: z.string().optional(),
  })
  .refine((b) => (b.spec === undefined) !== (b.yaml === undefined), {
    message: "give exactly one of `spec` (the k0sctl object) or `yaml` (the k0sctl.yaml text)",
    path: ["spec"],
  });
export type ClusterJsonBody = z.infer<typeof ClusterJsonBody>;

export const ClusterListQuery = z.object({ site: ResourceName.optional() });
export type ClusterListQuery = z.infer<typeof ClusterListQuery>;

export const CreateTokenBody = z.strictObject({ name: ResourceName, role: Role });
export type CreateTokenBody = z.infer<typeof CreateTokenBody>;

export const CreateRelayBody = z.strictObject({ name: ResourceName, site: ResourceName });
export type CreateRelayBody = z.infer<typeof CreateRelayBody>;

export const AUDIT_PAGE_DEFAULT = 50;
export const AUDIT_PAGE_MAX = 500;

export const AuditQuery = z.object({
  cluster: ClusterName.optional(),
  limit: z.coerce.number().int().min(1).max(AUDIT_PAGE_MAX).default(AUDIT_PAGE_DEFAULT),
  /** Only entries with a smaller seq: the `nextBefore` of the previous page. */
  before: z.coerce.number().int().min(1).optional(),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

// ── responses ────────────────────────────────────────────────────────────

const JsonObject = z.record(z.string(), z.unknown());

export const ClusterSummary = z.object({
  name: z.string(),
  site: z.string(),
  currentRevision: z.number().int(),
  appliedRevision: z.number().int().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type ClusterSummary = z.infer<typeof ClusterSummary>;

export const ClusterView = ClusterSummary.extend({
  /** The current revision's spec, validated and with defaults applied. */
  spec: JsonObject,
  facts: JsonObject.nullable(),
});
export type ClusterView = z.infer<typeof ClusterView>;

export const ClusterResponse = z.object({ cluster: ClusterView });
export type ClusterResponse = z.infer<typeof ClusterResponse>;

export const ClusterUpdateResponse = z.object({ cluster: ClusterView, unchanged: z.boolean() });
export type ClusterUpdateResponse = z.infer<typeof ClusterUpdateResponse>;

export const ClusterListResponse = z.object({ clusters: z.array(ClusterSummary) });
export type ClusterListResponse = z.infer<typeof ClusterListResponse>;

export const RevisionView = z.object({
  revision: z.number().int(),
  source: z.string(),
  spec: JsonObject,
  createdBy: z.string(),
  createdAt: z.number(),
});
export type RevisionView = z.infer<typeof RevisionView>;

export const RevisionListResponse = z.object({ revisions: z.array(RevisionView) });
export type RevisionListResponse = z.infer<typeof RevisionListResponse>;

export const DeletedResponse = z.object({ deleted: z.string() });
export type DeletedResponse = z.infer<typeof DeletedResponse>;

export const TokenView = z.object({
  id: z.string(),
  name: z.string(),
  role: Role,
  createdBy: z.string(),
  createdAt: z.number(),
  revokedAt: z.number().nullable(),
  lastUsedAt: z.number().nullable(),
});
export type TokenView = z.infer<typeof TokenView>;

/** The only response that carries an API token's secret. */
export const CreatedToken = z.object({ id: z.string(), name: z.string(), role: Role, token: z.string() });
export type CreatedToken = z.infer<typeof CreatedToken>;

export const TokenListResponse = z.object({ tokens: z.array(TokenView) });
export type TokenListResponse = z.infer<typeof TokenListResponse>;

export const TokenResponse = z.object({ token: TokenView });
export type TokenResponse = z.infer<typeof TokenResponse>;

export const RelayView = z.object({
  name: z.string(),
  site: z.string(),
  online: z.boolean(),
  lastSeenAt: z.number().nullable(),
  version: z.string().nullable(),
  createdAt: z.number(),
  revokedAt: z.number().nullable(),
});
export type RelayView = z.infer<typeof RelayView>;

/** The only response that carries a relay's secret. */
export const CreatedRelay = z.object({ name: z.string(), site: z.string(), token: z.string() });
export type CreatedRelay = z.infer<typeof CreatedRelay>;

export const RelayListResponse = z.object({ relays: z.array(RelayView) });
export type RelayListResponse = z.infer<typeof RelayListResponse>;

export const RelayResponse = z.object({ relay: RelayView });
export type RelayResponse = z.infer<typeof RelayResponse>;

export const AuditOutcome = z.enum(["ok", "denied", "failed", "error"]);
export type AuditOutcome = z.infer<typeof AuditOutcome>;

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
  /** Pass as `?before=` for the next (older) page; null on the last page. */
  nextBefore: z.number().int().nullable(),
});
export type AuditPage = z.infer<typeof AuditPage>;

export const AuditVerifyResult = z.discriminatedUnion("ok", [
  z.object({
    ok: z.literal(true),
    entries: z.number().int(),
    /** The newest entry; keep its hash elsewhere to detect truncation of the tail. */
    head: z.object({ seq: z.number().int(), hash: z.string() }).nullable(),
  }),
  z.object({
    ok: z.literal(false),
    entries: z.number().int(),
    brokenAt: z.number().int(),
    reason: z.string(),
  }),
]);
export type AuditVerifyResult = z.infer<typeof AuditVerifyResult>;

/** Every HTTP error: `{error:{code,message,details?}}`, the code one of schema/errors.ts's. */
export const ErrorResponse = z.object({ error: ErrorBody });
export type ErrorResponse = z.infer<typeof ErrorResponse>;
