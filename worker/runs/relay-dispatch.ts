import { and, desc, eq, isNull } from "drizzle-orm";
import type { ServerMessageInput } from "../../schema/protocol";
import type { Step } from "../../schema/steps";
import { relays } from "../../schema/tables";
import { openDb } from "../core/db";
import type { Env } from "../core/env";
import type { RelayBinding } from "./run-state";

// A site normally has one relay, sometimes a standby; never many.
const MAX_CANDIDATES = 10;

/**
 * A relay of the site that holds a live connection right now. D1's `online`
 * flag only narrows the search: the RelayObject is asked, because a relay
 * that vanished without a close frame still reads as online in D1.
 * The relay used last is preferred so that a run's steps stay on one relay.
 */
export async function findRelay(env: Env, site: string, preferred: RelayBinding | null): Promise<RelayBinding | null> {
  if (preferred) {
    const connection = await relayStub(env, preferred.name).connection();
    if (connection) return { name: preferred.name, connectionId: connection.id, allowHooks: connection.allowHooks };
  }
  const candidates = await openDb(env.DB)
    .select({ name: relays.name })
    .from(relays)
    .where(and(eq(relays.site, site), eq(relays.online, true), isNull(relays.revokedAt)))
    .orderBy(desc(relays.lastSeenAt))
    .limit(MAX_CANDIDATES)
    .all();
  for (const { name } of candidates) {
    if (name === preferred?.name) continue;
    const connection = await relayStub(env, name).connection();
    if (connection) return { name, connectionId: connection.id, allowHooks: connection.allowHooks };
  }
  return null;
}

/** Sends each step as a `step.run` frame; returns the ids that could not be sent. */
export async function sendSteps(env: Env, relay: RelayBinding, cluster: string, runId: string, steps: Step[]): Promise<string[]> {
  const stub = relayStub(env, relay.name);
  const unsent: string[] = [];
  for (const step of steps) {
    const sent = await stub.send({ type: "step.run", cluster, runId, step });
    if (!sent) unsent.push(step.id);
  }
  return unsent;
}

/** Best effort: the relay may be gone, and the step is already counted as failed. */
export async function cancelStep(env: Env, relayName: string, runId: string, stepId: string): Promise<void> {
  const frame: ServerMessageInput = { type: "step.cancel", runId, stepId };
  try {
    await relayStub(env, relayName).send(frame);
  } catch (err) {
    console.warn(`could not send step.cancel for ${runId}/${stepId} to relay ${relayName}:`, err);
  }
}

function relayStub(env: Env, name: string) {
  return env.RELAY.get(env.RELAY.idFromName(name));
}
