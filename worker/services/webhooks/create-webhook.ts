import { and, eq } from "drizzle-orm";
import { KeelError } from "../../../schema/errors";
import { clusterRevisions, clusters, webhooks } from "../../../schema/tables";
import type { CreatedWebhook, CreateWebhookBody } from "../../../schema/webhook-api";
import { appendAuditWith } from "../../core/audit-append";
import { openDb } from "../../core/db";
import type { Env } from "../../core/env";
import { SecretBoxKeyError, sealSecret } from "../../core/secret-box";
import { newGithubSecret } from "../../webhooks/github-signature";
import { newStandardSecret } from "../../webhooks/standard-webhooks";
import { webhookView } from "./webhook-view";

/**
 * Creates an inbound webhook endpoint for a cluster. Its signing secret is
 * returned this once; D1 keeps it sealed under KEEL_SECRETS_KEY (the Worker
 * must read it back to verify deliveries, so a hash would not do).
 */
export async function createWebhook(env: Env, input: CreateWebhookBody & { actor: string }): Promise<CreatedWebhook> {
  const db = openDb(env.DB);
  const cluster = await db.select({ name: clusters.name }).from(clusters).where(eq(clusters.name, input.cluster)).get();
  if (!cluster) throw new KeelError("not_found", `cluster ${input.cluster} not found`);
  if (input.revision !== undefined) {
    const rev = await db
      .select({ revision: clusterRevisions.revision })
      .from(clusterRevisions)
      .where(and(eq(clusterRevisions.cluster, input.cluster), eq(clusterRevisions.revision, input.revision)))
      .get();
    if (!rev) throw new KeelError("validation_failed", "invalid body: revision", [{ path: "revision", message: `cluster ${input.cluster} has no revision ${input.revision}` }]);
  }
  const id = `wh_${crypto.randomUUID().replace(/-/g, "")}`;
  const secret = input.scheme === "standard" ? newStandardSecret() : newGithubSecret();
  let secretBox: string;
  try {
    secretBox = await sealSecret(env.KEEL_SECRETS_KEY, secret, id);
  } catch (err) {
    if (!(err instanceof SecretBoxKeyError)) throw err;
    console.error(`keel is misconfigured: ${err.message}`);
    throw new KeelError("internal", "server misconfigured: KEEL_SECRETS_KEY");
  }
  const row = { id, cluster: input.cluster, action: input.action, revision: input.revision ?? null, scheme: input.scheme, secretBox, createdBy: input.actor, createdAt: Date.now() };
  const details = { action: row.action, scheme: row.scheme, ...(row.revision !== null ? { revision: row.revision } : {}) };
  await appendAuditWith(env.DB, { actor: input.actor, action: "webhook.create", cluster: input.cluster, target: id, outcome: "ok", details }, (tx) => [tx.insert(webhooks).values(row)]);
  return { ...webhookView(row), secret };
}
