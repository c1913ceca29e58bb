import { sqliteTable, text, integer, index, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * D1 tables. Times are unix milliseconds. JSON columns hold data already
 * validated by the zod schemas in this folder. No column ever holds a secret:
 * tokens are stored as SHA-256 hashes, join tokens and kubeconfigs stay on the relay.
 */

export const clusters = sqliteTable(
  "clusters",
  {
    name: text("name").primaryKey(),
    site: text("site").notNull(),
    currentRevision: integer("current_revision").notNull(),
    /** Revision most recently applied successfully (null until the first apply). */
    appliedRevision: integer("applied_revision"),
    /** Per-host facts from the last facts/apply run, JSON: Record<"address:port", HostFacts>. */
    facts: text("facts", { mode: "json" }).$type<Record<string, unknown>>(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("clusters_site").on(t.site)],
);

export const clusterRevisions = sqliteTable(
  "cluster_revisions",
  {
    cluster: text("cluster").notNull(),
    revision: integer("revision").notNull(),
    /** The YAML (or JSON) exactly as the caller sent it. */
    source: text("source").notNull(),
    /** The validated spec with defaults applied, JSON. */
    spec: text("spec", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("cluster_revisions_pk").on(t.cluster, t.revision)],
);

export const apiTokens = sqliteTable("api_tokens", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  role: text("role", { enum: ["viewer", "operator", "admin"] }).notNull(),
  tokenHash: text("token_hash").notNull().unique(),
  createdBy: text("created_by").notNull(),
  createdAt: integer("created_at").notNull(),
  revokedAt: integer("revoked_at"),
  lastUsedAt: integer("last_used_at"),
  /** After this time the token is refused as expired; null never expires. */
  expiresAt: integer("expires_at"),
});

export const relays = sqliteTable(
  "relays",
  {
    name: text("name").primaryKey(),
    site: text("site").notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    online: integer("online", { mode: "boolean" }).notNull().default(false),
    lastSeenAt: integer("last_seen_at"),
    version: text("version"),
    createdAt: integer("created_at").notNull(),
    revokedAt: integer("revoked_at"),
  },
  (t) => [index("relays_site").on(t.site)],
);

export const runs = sqliteTable(
  "runs",
  {
    id: text("id").primaryKey(),
    cluster: text("cluster").notNull(),
    /** facts | apply | … */
    operation: text("operation").notNull(),
    revision: integer("revision").notNull(),
    status: text("status", { enum: ["queued", "waiting_for_relay", "running", "succeeded", "failed", "cancelled"] }).notNull(),
    /** The planned phases with their step ids, JSON (no secrets: steps only name secrets). */
    plan: text("plan", { mode: "json" }).$type<unknown>().notNull(),
    requestedBy: text("requested_by").notNull(),
    error: text("error"),
    createdAt: integer("created_at").notNull(),
    startedAt: integer("started_at"),
    finishedAt: integer("finished_at"),
  },
  (t) => [index("runs_cluster").on(t.cluster, t.createdAt)],
);

export const runSteps = sqliteTable(
  "run_steps",
  {
    runId: text("run_id").notNull(),
    stepId: text("step_id").notNull(),
    phase: text("phase").notNull(),
    kind: text("kind").notNull(),
    /** "address:port" of the host the step targets. */
    host: text("host").notNull(),
    status: text("status", { enum: ["pending", "running", "succeeded", "failed", "skipped", "cancelled"] }).notNull(),
    exitCode: integer("exit_code"),
    stdout: text("stdout"),
    stderr: text("stderr"),
    command: text("command"),
    error: text("error"),
    startedAt: integer("started_at"),
    finishedAt: integer("finished_at"),
  },
  (t) => [uniqueIndex("run_steps_pk").on(t.runId, t.stepId)],
);

export const runEvents = sqliteTable(
  "run_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    runId: text("run_id").notNull(),
    /** The event's number within its run: the cluster object may write an event twice (a retried batch), D1 keeps one. */
    seq: integer("seq"),
    at: integer("at").notNull(),
    level: text("level", { enum: ["info", "warn", "error"] }).notNull(),
    /** phase.started | phase.finished | step.started | step.finished | host.message | run.finished | … */
    type: text("type").notNull(),
    phase: text("phase"),
    host: text("host"),
    message: text("message").notNull(),
  },
  (t) => [index("run_events_run").on(t.runId, t.id), uniqueIndex("run_events_seq").on(t.runId, t.seq)],
);

/** Append-only; `hash` = sha256(prevHash + canonical entry), so an edit or a gap shows. */
export const auditLog = sqliteTable(
  "audit_log",
  {
    seq: integer("seq").primaryKey(),
    at: integer("at").notNull(),
    /** token:<id> | relay:<name> | slack:<user> | webhook:<endpoint id> | schedule | bootstrap */
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    cluster: text("cluster"),
    target: text("target"),
    outcome: text("outcome", { enum: ["ok", "denied", "failed", "error"] }).notNull(),
    details: text("details", { mode: "json" }).$type<Record<string, unknown>>(),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
  },
  // One index per filter, walked in (at, seq) order, so filter, time range, cursor and order are one index range.
  // A lookup walks the index of its first filter in the order run, cluster, actor, action, outcome; each index
  // also holds the filters after its own, so the others are checked in the index without reading rows. ADR 0011.
  (t) => [
    index("audit_at").on(t.at),
    index("audit_target_at").on(t.target, t.at),
    index("audit_cluster_at").on(t.cluster, t.at, t.seq, t.actor, t.action, t.outcome),
    index("audit_actor_at").on(t.actor, t.at, t.seq, t.action, t.outcome),
    index("audit_action_at").on(t.action, t.at, t.seq, t.outcome),
    index("audit_outcome_at").on(t.outcome, t.at),
  ],
);

/**
 * Requests refused for want of a valid credential (no token, an unknown,
 * revoked or expired one), counted instead of audited one by one: one row
 * per route, reason and minute, so a flood costs one upsert per request and
 * a bounded number of rows. Stored strings are bounded by the writer.
 */
export const deniedRequests = sqliteTable(
  "denied_requests",
  {
    /** Start of the minute, unix ms. */
    window: integer("window").notNull(),
    /** The route as registered ("POST /v1/clusters/:name/apply"), never the raw path. */
    route: text("route").notNull(),
    reason: text("reason").notNull(),
    count: integer("count").notNull(),
    /** One request of the window, as a sample: its path (truncated) and client address. */
    samplePath: text("sample_path").notNull(),
    sampleClient: text("sample_client"),
    firstAt: integer("first_at").notNull(),
    lastAt: integer("last_at").notNull(),
  },
  (t) => [uniqueIndex("denied_requests_pk").on(t.window, t.route, t.reason)],
);

/**
 * Backups taken by `k0s.backup` steps: metadata only. The archive itself
 * (it holds the cluster's CA keys) and its encryption key stay in the relay's
 * store; D1 never sees a byte of either.
 */
export const backups = sqliteTable(
  "backups",
  {
    id: text("id").primaryKey(),
    cluster: text("cluster").notNull(),
    /** The cluster's revision when it was taken: a restore compares that spec's controllers and externalAddress with the current one's. */
    revision: integer("revision").notNull(),
    /** "address:port" of the leader it was taken on. */
    host: text("host").notNull(),
    k0sVersion: text("k0s_version").notNull(),
    size: integer("size").notNull(),
    sha256: text("sha256").notNull(),
    /** JSON: BackupContents (schema/steps-backup.ts). */
    contents: text("contents", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    status: text("status", { enum: ["verified", "failed", "deleted"] }).notNull(),
    error: text("error"),
    runId: text("run_id").notNull(),
    createdAt: integer("created_at").notNull(),
    deletedAt: integer("deleted_at"),
  },
  (t) => [index("backups_cluster").on(t.cluster, t.createdAt)],
);

/**
 * What the last certificate inventory (or renewal check) found on each host:
 * public certificate fields only, never a key. A host's rows are replaced by
 * each inventory of that host (the paths it no longer has are deleted).
 */
export const certificates = sqliteTable(
  "certificates",
  {
    cluster: text("cluster").notNull(),
    /** "address:port". */
    host: text("host").notNull(),
    path: text("path").notNull(),
    subject: text("subject").notNull(),
    issuer: text("issuer").notNull(),
    /** JSON: string[] ("DNS:localhost", "IP Address:127.0.0.1", …). */
    sans: text("sans", { mode: "json" }).$type<string[]>().notNull(),
    notBefore: integer("not_before").notNull(),
    notAfter: integer("not_after").notNull(),
    isCA: integer("is_ca", { mode: "boolean" }).notNull(),
    fingerprint: text("fingerprint").notNull(),
    runId: text("run_id").notNull(),
    observedAt: integer("observed_at").notNull(),
  },
  (t) => [uniqueIndex("certificates_pk").on(t.cluster, t.host, t.path), index("certificates_expiry").on(t.cluster, t.notAfter)],
);

/**
 * Inbound webhook endpoints. The signing secret must be readable again to
 * verify deliveries, so it cannot be a hash: `secretBox` is the secret sealed
 * with AES-GCM under the Worker secret KEEL_SECRETS_KEY (worker/core/secret-box.ts),
 * bound to the endpoint's id. The plaintext is never stored.
 */
export const webhooks = sqliteTable(
  "webhooks",
  {
    id: text("id").primaryKey(),
    cluster: text("cluster").notNull(),
    /** certs.renew | backup | apply */
    action: text("action").notNull(),
    /** apply only: the revision a delivery may apply (null: the current one). */
    revision: integer("revision"),
    scheme: text("scheme", { enum: ["standard", "github"] }).notNull(),
    secretBox: text("secret_box").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("webhooks_cluster").on(t.cluster)],
);

/**
 * One row per delivery id per endpoint that started (or is starting) a run:
 * the unique index is the idempotency key, so two copies of a delivery racing
 * each other cannot both insert (docs/adr/0010-webhook-delivery-dedupe.md).
 */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    endpointId: text("endpoint_id").notNull(),
    deliveryId: text("delivery_id").notNull(),
    /** The run this delivery starts; chosen before the start, so a duplicate can name it. */
    runId: text("run_id").notNull(),
    /** starting: claimed, run being started; started: the run exists. */
    status: text("status", { enum: ["starting", "started"] }).notNull(),
    receivedAt: integer("received_at").notNull(),
  },
  (t) => [uniqueIndex("webhook_deliveries_pk").on(t.endpointId, t.deliveryId), index("webhook_deliveries_received").on(t.receivedAt)],
);

/**
 * Per-cluster schedules driven by the cron trigger (worker/scheduled.ts).
 * `policy` is SchedulePolicy, `state` is ScheduleState (schema/schedule-api.ts).
 */
export const schedules = sqliteTable("schedules", {
  cluster: text("cluster").primaryKey(),
  policy: text("policy", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  state: text("state", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  updatedBy: text("updated_by").notNull(),
  updatedAt: integer("updated_at").notNull(),
});
/** Who a Slack user is in keel: (team, user) → role. Slash commands from unmapped users are refused. */
export const slackUsers = sqliteTable(
  "slack_users",
  {
    team: text("team").notNull(),
    user: text("user").notNull(),
    role: text("role", { enum: ["viewer", "operator", "admin"] }).notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("slack_users_pk").on(t.team, t.user)],
);

/**
 * Slack requests already handled, by signature, kept past the 5-minute
 * timestamp window: a replayed request (same signature) is refused. Rows
 * past `expiresAt` are pruned by the writer.
 */
export const slackSeenRequests = sqliteTable(
  "slack_seen_requests",
  {
    signature: text("signature").primaryKey(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("slack_seen_requests_expiry").on(t.expiresAt)],
);

/**
 * Outbound notifications, one row per delivery (its attempts update it). The
 * target is an id ("slack-reply:<run id>", "subscription:<id>"), never a URL
 * or a token: Slack response URLs and webhook URLs are credentials.
 */
export const notificationDeliveries = sqliteTable(
  "notification_deliveries",
  {
    id: text("id").primaryKey(),
    cluster: text("cluster").notNull(),
    target: text("target").notNull(),
    /** run.progress | run.finished | certificate.expiring | backup.failed */
    event: text("event").notNull(),
    runId: text("run_id"),
    status: text("status", { enum: ["pending", "delivered", "failed", "skipped"] }).notNull(),
    attempts: integer("attempts").notNull(),
    /** The HTTP status of the last attempt (null: none answered). */
    lastStatus: integer("last_status"),
    lastError: text("last_error"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("notification_deliveries_cluster").on(t.cluster, t.createdAt), index("notification_deliveries_created").on(t.createdAt)],
);

/**
 * Who hears about a cluster's events (run.finished, certificate.expiring,
 * backup.failed) and where. Webhook URLs and signing secrets are
 * credentials: `sealed` holds them encrypted (worker/core/secret-box.ts,
 * bound to the row's id), and no API answer ever returns them.
 */
export const notificationSubscriptions = sqliteTable(
  "notification_subscriptions",
  {
    id: text("id").primaryKey(),
    cluster: text("cluster").notNull(),
    /** JSON: NotificationEvent[]. */
    events: text("events", { mode: "json" }).$type<string[]>().notNull(),
    kind: text("kind", { enum: ["slack-webhook", "slack-channel", "webhook"] }).notNull(),
    /** slack-channel: the channel id (not a secret). */
    channel: text("channel"),
    /** slack-webhook, webhook: AES-GCM sealed JSON {url, secret?}. */
    sealed: text("sealed"),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("notification_subscriptions_cluster").on(t.cluster)],
);
