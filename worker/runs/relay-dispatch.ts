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
export async function findRelay(env: Env, site: string, preferred: string | null): Promise<RelayBinding | null> {
  if (preferred) {
    const connection = await relayStub(env, preferred).connection();
    if (connection) return { name: preferred, connectionId: connection.id, allowHooks: connection.allowHooks };
  }
  const candidates = await openDb(env.DB)
    .select({ name: relays.name })
    .from(relays)
    .where(and(eq(relays.site, site), eq(relays.online, true), isNull(relays.revokedAt)))
    .orderBy(desc(relays.lastSeenAt))
    .limit(MAX_CANDIDATES)
    .all();
  for (const { name } of candidates) {
    if (name === preferred) continue;
    const connection = await relayStub(env, name).connection();
    if (connection) return { name, connectionId: connection.id, allowHooks: connection.allowHooks };
  }
  return null;
}

export interface SendOutcome {
  /** Not delivered: the relay is not connected (any more). */
  unsent: string[];
  /** Refused as a frame by the RelayObject (a bug: the engine checks steps before sending). */
  rejected: { stepId: string; message: string }[];
}

/** Sends each step as a `step.run` frame. */
export async function sendSteps(env: Env, relay: RelayBinding, cluster: string, runId: string, steps: Step[]): Promise<SendOutcome> {
  const out: SendOutcome = { unsent: [], rejected: [] };
  if (steps.length === 0) return out;
  // One RPC for the whole batch: a barrier's steps leave together.
  const answers = await relayStub(env, relay.name).sendAll(steps.map((step) => ({ type: "step.run", cluster, runId, step })));
  steps.forEach((step, i) => {
    const answer = answers[i];
    if (answer === undefined || answer === false) out.unsent.push(step.id);
    else if (typeof answer === "string") out.rejected.push({ stepId: step.id, message: answer });
  });
  return out;
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
