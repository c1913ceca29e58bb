import { and, eq } from "drizzle-orm";
import { KeelError } from "../../../schema/errors";
import { runs, webhookDeliveries } from "../../../schema/tables";
import type { WebhookAction } from "../../../schema/webhook-api";
import { appendAudit } from "../../core/audit-append";
import { openDb, type Db } from "../../core/db";
import type { Env } from "../../core/env";
import type { StartRunInput } from "../../runs/run-rpc";
import { startRun } from "../runs/start-run";
import { verifyDelivery, type DeliveryRequest, type Endpoint } from "./verify-delivery";

/** A claim older than this whose start never finished (the Worker died in between) may be taken over. */
const STALE_CLAIM_MS = 60_000;

export type DeliveryOutcome =
  | { status: "started" | "duplicate"; runId: string }
  | { status: "rejected"; code: "not_found" | "unauthorized"; reason: string };

/**
 * A signed delivery: verify it, claim its delivery id, start the endpoint's
 * run. The claim is an insert on a unique index, so of two copies racing each
 * other exactly one inserts; the other answers with the run id the first chose.
 * A claim whose start fails (busy cluster, revision moved) is released, so the
 * sender's retry can start the run later (docs/adr/0010-webhook-delivery-dedupe.md).
 */
export async function receiveDelivery(env: Env, req: DeliveryRequest): Promise<DeliveryOutcome> {
  const verified = await verifyDelivery(env, req);
  if (!verified.ok) return { status: "rejected", code: verified.code, reason: verified.reason };
  const { endpoint, deliveryId } = verified;
  const db = openDb(env.DB);
  const claim = await claimDelivery(db, endpoint.id, deliveryId, req.now);
  if (!claim.fresh) return { status: "duplicate", runId: claim.runId };
  const actor = `webhook:${endpoint.id}`;
  try {
    const run = await startRun(env, { cluster: endpoint.cluster, requestedBy: actor, runId: claim.runId, ...operationOf(endpoint) });
    await db.update(webhookDeliveries).set({ status: "started" }).where(and(eq(webhookDeliveries.endpointId, endpoint.id), eq(webhookDeliveries.deliveryId, deliveryId)));
    return { status: "started", runId: run.id };
  } catch (err) {
    // Anything else may have come after the run started: keep the claim, a retry resolves it once stale.
    if (!(err instanceof KeelError)) throw err;
    await release(db, endpoint.id, deliveryId);
    await auditRefusal(env, endpoint, actor, deliveryId, err);
    throw err;
  }
}

/** A verified delivery that started nothing is audited (it came from a holder of the secret); an audit outage must not hide the refusal. */
async function auditRefusal(env: Env, endpoint: Endpoint, actor: string, deliveryId: string, err: KeelError): Promise<void> {
  try {
    await appendAudit(env.DB, {
      actor,
      action: `webhook.${endpoint.action}`,
      cluster: endpoint.cluster,
      target: endpoint.id,
      outcome: "failed",
      details: { code: err.code, message: err.message, deliveryId: deliveryId.slice(0, 200) },
    });
  } catch (auditErr) {
    console.error(`could not audit a refused delivery of webhook ${endpoint.id}:`, auditErr);
  }
}

function operationOf(endpoint: Endpoint): Pick<StartRunInput, "operation" | "revision"> {
  const action = endpoint.action as WebhookAction;
  if (action === "apply" && endpoint.revision !== null) return { operation: "apply", revision: endpoint.revision };
  return { operation: action };
}

type Claim = { fresh: true; runId: string } | { fresh: false; runId: string };

async function claimDelivery(db: Db, endpointId: string, deliveryId: string, now: number, takeover = true): Promise<Claim> {
  const runId = `run_${crypto.randomUUID()}`;
  const inserted = await db
    .insert(webhookDeliveries)
    .values({ endpointId, deliveryId, runId, status: "starting", receivedAt: now })
    .onConflictDoNothing()
    .returning({ runId: webhookDeliveries.runId })
    .get();
  if (inserted) return { fresh: true, runId };
  const where = and(eq(webhookDeliveries.endpointId, endpointId), eq(webhookDeliveries.deliveryId, deliveryId));
  const held = await db.select().from(webhookDeliveries).where(where).get();
  // Released between our insert and this read: the slot is free again.
  if (!held) return takeover ? claimDelivery(db, endpointId, deliveryId, now, false) : busyClaim();
  if (held.status === "started") return { fresh: false, runId: held.runId };
  if (now - held.receivedAt < STALE_CLAIM_MS) return busyClaim();
  // A stale claim: its run exists if the start got that far (the mirror is written before the start returns).
  const run = await db.select({ id: runs.id }).from(runs).where(eq(runs.id, held.runId)).get();
  if (run) {
    await db.update(webhookDeliveries).set({ status: "started" }).where(where);
    return { fresh: false, runId: run.id };
  }
  await db.delete(webhookDeliveries).where(and(where, eq(webhookDeliveries.status, "starting"), eq(webhookDeliveries.receivedAt, held.receivedAt)));
  return takeover ? claimDelivery(db, endpointId, deliveryId, now, false) : busyClaim();
}

function busyClaim(): never {
  throw new KeelError("conflict", "another copy of this delivery is starting its run; retry in a few seconds");
}

async function release(db: Db, endpointId: string, deliveryId: string): Promise<void> {
  try {
    await db.delete(webhookDeliveries).where(and(eq(webhookDeliveries.endpointId, endpointId), eq(webhookDeliveries.deliveryId, deliveryId), eq(webhookDeliveries.status, "starting")));
  } catch (err) {
    // The claim stays "starting" and is taken over once stale (STALE_CLAIM_MS).
    console.error(`could not release webhook delivery ${deliveryId} of ${endpointId}:`, err);
  }
}
