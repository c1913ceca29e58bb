import { z } from "zod";
import { MAX_FRAME_BYTES, ServerMessage, type RelayMessage } from "../schema/protocol";
import { MAX_OUTPUT_BYTES } from "../schema/steps";

/**
 * Decoding of incoming frames and encoding of outgoing ones, both bounded by
 * MAX_FRAME_BYTES and both checked against the shared protocol schemas.
 */

export type Decoded =
  | { kind: "message"; message: ServerMessage }
  /** A step.run whose envelope is fine but whose step is not: answered invalid_step. */
  | { kind: "bad-step"; cluster: string; runId: string; stepId: string; step: unknown }
  | { kind: "invalid"; reason: string };

const Name = z.string().min(1).max(100);
const StepRunEnvelope = z.object({
  type: z.literal("step.run"),
  cluster: Name,
  runId: Name,
  step: z.object({ id: z.string().min(1).max(200) }).loose(),
});

export function decodeFrame(data: Buffer, isBinary: boolean): Decoded {
  if (isBinary) return { kind: "invalid", reason: "binary frame" };
  if (data.length > MAX_FRAME_BYTES) return { kind: "invalid", reason: `frame of ${data.length} bytes exceeds ${MAX_FRAME_BYTES}` };
  let json: unknown;
  try {
    json = JSON.parse(data.toString("utf8"));
  } catch {
    return { kind: "invalid", reason: "not JSON" };
  }
  const parsed = ServerMessage.safeParse(json);
  if (parsed.success) return { kind: "message", message: parsed.data };
  const envelope = StepRunEnvelope.safeParse(json);
  if (envelope.success) {
    const { cluster, runId, step } = envelope.data;
    return { kind: "bad-step", cluster, runId, stepId: step.id, step };
  }
  const issue = parsed.error.issues[0];
  return { kind: "invalid", reason: issue ? `${issue.path.join(".") || "frame"}: ${issue.message}` : "does not match the protocol" };
}

/** JSON for a frame, trimming step output if (and only if) it would not fit in one frame. */
export function encodeFrame(message: RelayMessage): string | undefined {
  let text = JSON.stringify(message);
  if (Buffer.byteLength(text) <= MAX_FRAME_BYTES) return text;
  if (message.type !== "step.finished") return undefined;
  const keep = MAX_OUTPUT_BYTES / 4;
  const result = { ...message.result, stdout: message.result.stdout.slice(-keep), stderr: message.result.stderr.slice(-keep) };
  text = JSON.stringify({ ...message, result });
  return Buffer.byteLength(text) <= MAX_FRAME_BYTES ? text : undefined;
}
