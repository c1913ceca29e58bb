import { CloseCode, PROTOCOL_VERSION, type RelayMessage } from "../../../schema/protocol";
import type { Env } from "../../core/env";
import { clusterSite } from "./cluster-site";
import { parseRelayFrame, sendError, sendFrame } from "./frames";
import { markOffline, markOnline, markSeen } from "./presence";
import { closeQuietly, readState, writeState, type SocketState } from "./socket-state";
import { wakeClustersOfSite } from "./wake-clusters";

/** How often the relay should send heartbeats; told to it in `welcome`. */
export const HEARTBEAT_MS = 15_000;
// lastSeenAt is for people and for choosing between relays; a write per heartbeat would be waste.
const SEEN_WRITE_EVERY_MS = 10_000;

type Frame<T extends RelayMessage["type"]> = Extract<RelayMessage, { type: T }>;

/** One frame from a relay's socket. */
export async function handleRelayMessage(env: Env, ctx: DurableObjectState, ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
  const state = readState(ws);
  if (!state) return closeQuietly(ws, CloseCode.badHello, "connection has no state");
  const parsed = parseRelayFrame(raw);
  if (!parsed.ok) return sendError(ws, "invalid_frame", parsed.message);
  const frame = parsed.frame;
  if (frame.type === "hello") return hello(env, ctx, ws, state, frame);
  if (state.helloAt === null) return sendError(ws, "bad_request", `send hello before ${frame.type}`);
  switch (frame.type) {
    case "heartbeat":
      return heartbeat(env, ws, state);
    case "step.started":
    case "step.finished":
      return forwardStep(env, ws, state, frame);
  }
}

/** The relay's socket closed: it is offline unless a newer connection already took over. */
export async function handleRelayClose(env: Env, ctx: DurableObjectState, ws: WebSocket): Promise<void> {
  const state = readState(ws);
  if (!state) return;
  const others = ctx.getWebSockets().filter((s) => s.readyState === WebSocket.OPEN && readState(s)?.connectionId !== state.connectionId);
  if (others.length === 0) await markOffline(env.DB, state.relay, Date.now());
}

async function hello(env: Env, ctx: DurableObjectState, ws: WebSocket, state: SocketState, frame: Frame<"hello">): Promise<void> {
  if (frame.protocolVersion !== PROTOCOL_VERSION) {
    sendError(ws, "protocol_mismatch", `this API speaks protocol version ${PROTOCOL_VERSION}, the relay ${frame.protocolVersion}: upgrade the relay`);
    return closeQuietly(ws, CloseCode.protocolMismatch, "protocol version mismatch");
  }
  if (frame.site !== state.site) {
    sendError(ws, "forbidden", `relay ${state.relay} is registered for site ${state.site}, not ${frame.site}`);
    return closeQuietly(ws, CloseCode.badHello, "site mismatch");
  }
  if (state.helloAt !== null) return sendError(ws, "bad_request", "hello was already accepted on this connection");
  const now = Date.now();
  writeState(ws, { ...state, helloAt: now, seenWrittenAt: now, allowHooks: frame.policy.allowHooks });
  // Online in D1 before welcome: once the relay sees welcome, runs can find it.
  await markOnline(env.DB, state.relay, frame.relayVersion, now);
  sendFrame(ws, { type: "welcome", relay: state.relay, site: state.site, heartbeatMs: HEARTBEAT_MS });
  ctx.waitUntil(wakeClustersOfSite(env, state.site));
}

async function heartbeat(env: Env, ws: WebSocket, state: SocketState): Promise<void> {
  const now = Date.now();
  sendFrame(ws, { type: "heartbeat.ack", at: now });
  if (now - state.seenWrittenAt < SEEN_WRITE_EVERY_MS) return;
  writeState(ws, { ...state, seenWrittenAt: now });
  await markSeen(env.DB, state.relay, now);
}

/**
 * The ClusterObject decides whether the step is one it sent to this relay;
 * the relay hears when it is not. A relay only ever reaches the clusters of
 * its own site: anything else is refused here, before a ClusterObject is
 * woken (or created, for a name no cluster has).
 */
async function forwardStep(env: Env, ws: WebSocket, state: SocketState, frame: Frame<"step.started"> | Frame<"step.finished">): Promise<void> {
  if ((await clusterSite(env.DB, frame.cluster)) !== state.site) {
    return sendError(ws, "forbidden", `${frame.type} for ${frame.cluster}: cluster ${frame.cluster} is not in site ${state.site} (the site of relay ${state.relay}) or does not exist`);
  }
  const cluster = env.CLUSTER.get(env.CLUSTER.idFromName(frame.cluster));
  const ack =
    frame.type === "step.started"
      ? await cluster.onStepStarted(frame.runId, frame.stepId, state.relay)
      : await cluster.onStepFinished(frame.runId, frame.stepId, frame.result, state.relay);
  if (!ack.accepted) sendError(ws, "conflict", `${frame.type} for ${frame.cluster}/${frame.runId}/${frame.stepId}: ${ack.reason ?? "rejected"}`);
}
