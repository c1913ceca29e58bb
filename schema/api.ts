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

/** What a viewer sees instead of a spec value that may be a secret (README: viewers and secrets). */
export const REDACTED = "[redacted]";
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

// ── pages ────────────────────────────────────────────────────────────────

/**
 * List routes answer one page at a time: `?limit=` (bounded) and `?cursor=`,
 * the `nextCursor` of the previous page, opaque to clients (base64url JSON of
 * where the last page stopped). A list position, not an offset, so pages stay
 * stable while rows are added.
 */
export function encodeCursor(position: Record<string, string | number>): string {
  const bytes = new TextEncoder().encode(JSON.stringify(position));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const MAX_CURSOR_CHARS = 1024;

function decodeCursor(text: string): unknown {
  try {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    return JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0))));
  } catch {
    return undefined;
  }
}

/** `?cursor=` for a list whose positions `position` describes. */
export function cursorParam<P extends z.ZodType>(position: P) {
  return z
    .string()
    .max(MAX_CURSOR_CHARS, `must be at most ${MAX_CURSOR_CHARS} characters`)
    .transform((text, ctx) => {
      const parsed = position.safeParse(decodeCursor(text));
      if (parsed.success) return parsed.data as z.output<P>;
      ctx.addIssue({ code: "custom", message: "is not a cursor this list handed out (pass nextCursor back unchanged)" });
      return z.NEVER;
    });
}

export function limitParam(max: number, fallback: number) {
  return z.coerce.number().int("must be a whole number").min(1, "must be at least 1").max(max, `must be at most ${max}`).default(fallback);
}

export const LIST_PAGE_DEFAULT = 100;
export const LIST_PAGE_MAX = 500;

export const ClusterCursor = z.strictObject({ name: ClusterName });
export const ClusterListQuery = z.object({
  site: ResourceName.optional(),
  limit: limitParam(LIST_PAGE_MAX, LIST_PAGE_DEFAULT),
  cursor: cursorParam(ClusterCursor).optional(),
});
export type ClusterListQuery = z.infer<typeof ClusterListQuery>;

export const REVISION_PAGE_DEFAULT = 20;
export const REVISION_PAGE_MAX = 100;
/** Whole revisions (source and spec, each up to 1 MiB) come fewer to a page. */
export const REVISION_FULL_PAGE_MAX = 10;

export const RevisionCursor = z.strictObject({ revision: z.number().int().min(1) });
export const RevisionListQuery = z
  .object({
    limit: z.coerce.number().int("must be a whole number").min(1, "must be at least 1").max(REVISION_PAGE_MAX, `must be at most ${REVISION_PAGE_MAX}`).optional(),
    cursor: cursorParam(RevisionCursor).optional(),
    /** `full=true` adds each revision's source and spec. */
    full: z.enum(["true", "false"], "must be true or false").optional().transform((v) => v === "true"),
  })
  .superRefine((q, ctx) => {
    if (q.full && q.limit !== undefined && q.limit > REVISION_FULL_PAGE_MAX) {
      ctx.addIssue({ code: "custom", path: ["limit"], message: `must be at most ${REVISION_FULL_PAGE_MAX} with full=true` });
    }
  })
  .transform((q) => ({ ...q, limit: q.limit ?? Math.min(REVISION_PAGE_DEFAULT, q.full ? REVISION_FULL_PAGE_MAX : REVISION_PAGE_MAX) }));
export type RevisionListQuery = z.infer<typeof RevisionListQuery>;

export const TokenCursor = z.strictObject({ createdAt: z.number().int(), id: z.string().max(100) });
export const TokenListQuery = z.object({ limit: limitParam(LIST_PAGE_MAX, LIST_PAGE_DEFAULT), cursor: cursorParam(TokenCursor).optional() });
export type TokenListQuery = z.infer<typeof TokenListQuery>;

export const RelayCursor = z.strictObject({ site: ResourceName, name: ResourceName });
export const RelayListQuery = z.object({ limit: limitParam(LIST_PAGE_MAX, LIST_PAGE_DEFAULT), cursor: cursorParam(RelayCursor).optional() });
export type RelayListQuery = z.infer<typeof RelayListQuery>;

export const DeniedCursor = z.strictObject({ window: z.number().int(), route: z.string().max(200), reason: z.string().max(100) });
export const DeniedRequestsQuery = z.object({ limit: limitParam(LIST_PAGE_MAX, LIST_PAGE_DEFAULT), cursor: cursorParam(DeniedCursor).optional() });
export type DeniedRequestsQuery = z.infer<typeof DeniedRequestsQuery>;

// ── tokens ───────────────────────────────────────────────────────────────

/** A token lives at most this long: long-lived credentials should be rotated, not kept. */
export const MAX_TOKEN_LIFETIME_SECONDS = 5 * 365 * 86_400;
export const MIN_TOKEN_LIFETIME_SECONDS = 60;

export const CreateTokenBody = z
  .strictObject({
    name: ResourceName,
    role: Role,
    /** Seconds from now until the token stops working. */
    expiresIn: z
      .number("must be a number of seconds")
      .int("must be a whole number of seconds")
      .min(MIN_TOKEN_LIFETIME_SECONDS, `must be at least ${MIN_TOKEN_LIFETIME_SECONDS} seconds`)
      .max(MAX_TOKEN_LIFETIME_SECONDS, `must be at most ${MAX_TOKEN_LIFETIME_SECONDS} seconds (5 years)`)
      .optional(),
    /** When the token stops working, unix ms. */
    expiresAt: z
      .number("must be a time in unix milliseconds")
      .int("must be a whole number of milliseconds")
      .refine((at) => at > Date.now() + MIN_TOKEN_LIFETIME_SECONDS * 1000, `must be at least ${MIN_TOKEN_LIFETIME_SECONDS} seconds in the future (unix ms)`)
      .refine((at) => at <= Date.now() + MAX_TOKEN_LIFETIME_SECONDS * 1000, "must be at most 5 years in the future")
      .optional(),
  })
  .refine((b) => b.expiresIn === undefined || b.expiresAt === undefined, { message: "give expiresIn or expiresAt, not both", path: ["expiresAt"] });
export type CreateTokenBody = z.infer<typeof CreateTokenBody>;

export const CreateRelayBody = z.strictObject({ name: ResourceName, site: ResourceName });
export type CreateRelayBody = z.infer<typeof CreateRelayBody>;

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

/** Pass as `?cursor=` for the next page; null on the last page. */
const NextCursor = z.string().nullable();

export const ClusterListResponse = z.object({ clusters: z.array(ClusterSummary), nextCursor: NextCursor });
export type ClusterListResponse = z.infer<typeof ClusterListResponse>;

export const RevisionView = z.object({
  revision: z.number().int(),
  /** With `?full=true` only; never for viewers (the raw text cannot be redacted). */
  source: z.string().optional(),
  /** With `?full=true` only; secrets redacted for viewers. */
  spec: JsonObject.optional(),
  createdBy: z.string(),
  createdAt: z.number(),
});
export type RevisionView = z.infer<typeof RevisionView>;

export const RevisionListResponse = z.object({ revisions: z.array(RevisionView), nextCursor: NextCursor });
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
  /** Unix ms after which the token is refused; null: never. */
  expiresAt: z.number().nullable(),
});
export type TokenView = z.infer<typeof TokenView>;

/** The only response that carries an API token's secret. */
export const CreatedToken = z.object({ id: z.string(), name: z.string(), role: Role, token: z.string(), expiresAt: z.number().nullable() });
export type CreatedToken = z.infer<typeof CreatedToken>;

export const TokenListResponse = z.object({ tokens: z.array(TokenView), nextCursor: NextCursor });
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

export const RelayListResponse = z.object({ relays: z.array(RelayView), nextCursor: NextCursor });
export type RelayListResponse = z.infer<typeof RelayListResponse>;

export const RelayResponse = z.object({ relay: RelayView });
export type RelayResponse = z.infer<typeof RelayResponse>;

export const AuditOutcome = z.enum(["ok", "denied", "failed", "error"]);
export type AuditOutcome = z.infer<typeof AuditOutcome>;

/** Requests refused for want of a valid credential, counted per minute, route and reason. */
export const DeniedWindow = z.object({
  window: z.number().int(),
  route: z.string(),
  reason: z.string(),
  count: z.number().int(),
  samplePath: z.string(),
  sampleClient: z.string().nullable(),
  firstAt: z.number(),
  lastAt: z.number(),
});
export type DeniedWindow = z.infer<typeof DeniedWindow>;

export const DeniedRequestsPage = z.object({ windows: z.array(DeniedWindow), nextCursor: NextCursor });
export type DeniedRequestsPage = z.infer<typeof DeniedRequestsPage>;

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
