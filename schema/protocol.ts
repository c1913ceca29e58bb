import { z } from "zod";
import { ProtocolErrorCode } from "./errors";
import { Step, StepResult } from "./steps";

/**
 * Frames on the relay's WebSocket (`GET /v1/relays/connect`, bearer = relay
 * token). Both sides parse every frame with these schemas; a frame that does
 * not parse is answered with `error` and dropped, never acted on.
 */
export const PROTOCOL_VERSION = 1;

/** Frames larger than this are refused on both sides. */
export const MAX_FRAME_BYTES = 256 * 1024;

const Name = z.string().min(1).max(100);
/** Cluster names follow the API's ClusterName (up to 253 characters, like a DNS name). */
const ClusterName = z.string().min(1).max(253);

// relay -> worker
export const RelayHello = z.object({
  type: z.literal("hello"),
  relayVersion: z.string().max(50),
  protocolVersion: z.number().int(),
  site: Name,
  /** The relay's own policy, so the API can refuse a run (hooks) before touching any host. */
  policy: z.object({ allowHooks: z.boolean() }).default({ allowHooks: false }),
});
export const RelayHeartbeat = z.object({ type: z.literal("heartbeat"), at: z.number() });
export const StepStarted = z.object({
  type: z.literal("step.started"),
  cluster: ClusterName,
  runId: Name,
  stepId: z.string().max(200),
});
export const StepFinished = z.object({
  type: z.literal("step.finished"),
  cluster: ClusterName,
  runId: Name,
  stepId: z.string().max(200),
  result: StepResult,
});
export const RelayMessage = z.discriminatedUnion("type", [RelayHello, RelayHeartbeat, StepStarted, StepFinished]);
export type RelayMessage = z.infer<typeof RelayMessage>;

// worker -> relay
export const ServerWelcome = z.object({
  type: z.literal("welcome"),
  relay: Name,
  site: Name,
  heartbeatMs: z.number().int().min(1000),
});
export const ServerHeartbeatAck = z.object({ type: z.literal("heartbeat.ack"), at: z.number() });
export const StepRun = z.object({
  type: z.literal("step.run"),
  cluster: ClusterName,
  runId: Name,
  step: Step,
});
export type StepRun = z.infer<typeof StepRun>;
/**
 * A step.run whose envelope is sound even if its step is not: enough to
 * answer that step `invalid_step` instead of dropping the frame.
 */
export const StepRunEnvelope = StepRun.extend({ step: z.object({ id: z.string().min(1).max(200) }).loose() });
export const StepCancel = z.object({
  type: z.literal("step.cancel"),
  runId: Name,
  stepId: z.string().max(200).optional(),
});
export const ServerError = z.object({
  type: z.literal("error"),
  code: ProtocolErrorCode,
  message: z.string().max(2000),
});
export const ServerMessage = z.discriminatedUnion("type", [ServerWelcome, ServerHeartbeatAck, StepRun, StepCancel, ServerError]);
export type ServerMessage = z.infer<typeof ServerMessage>;
export type ServerMessageInput = z.input<typeof ServerMessage>;

/** WebSocket close codes keel uses (4000-4999 are application codes). */
export const CloseCode = {
  replaced: 4001, // a newer connection for the same relay took over
  badHello: 4002,
  protocolMismatch: 4003,
  revoked: 4004,
} as const;
