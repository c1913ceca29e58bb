import { MAX_FRAME_BYTES, ServerMessage, StepRunEnvelope, type RelayMessage } from "../schema/protocol";
import { MAX_OUTPUT_BYTES } from "../schema/steps";

/**
 * Decoding of incoming frames and encoding of outgoing ones, both bounded by
 * MAX_FRAME_BYTES and both checked against the shared protocol schemas. Each
 * frame is parsed here once; everything after works on the typed result.
 */

/** A step.run whose envelope is fine but whose step is not: answered invalid_step, never run. */
export interface BadStepRun {
  type: "step.run.bad";
  cluster: string;
  runId: string;
  stepId: string;
  /** Which fields of the step are wrong, e.g. `step.host.port: Too big`. */
  problem: string;
}

/** A frame that is not part of the protocol: logged and dropped. */
export interface InvalidFrame {
  type: "invalid";
  reason: string;
}

export type DecodedFrame = ServerMessage | BadStepRun | InvalidFrame;

export function decodeFrame(data: Buffer, isBinary: boolean): DecodedFrame {
  if (isBinary) return { type: "invalid", reason: "binary frame" };
  if (data.length > MAX_FRAME_BYTES) return { type: "invalid", reason: `frame of ${data.length} bytes exceeds ${MAX_FRAME_BYTES}` };
  let json: unknown;
  try {
    json = JSON.parse(data.toString("utf8"));
  } catch {
    return { type: "invalid", reason: "not JSON" };
  }
  const parsed = ServerMessage.safeParse(json);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  const envelope = StepRunEnvelope.safeParse(json);
  if (envelope.success) {
    const { cluster, runId, step } = envelope.data;
    const problem = issues.map((i) => `${i.path.map(String).join(".")}: ${i.message}`).join("; ");
    return { type: "step.run.bad", cluster, runId, stepId: step.id, problem: problem || "step: does not match any step kind" };
  }
  const issue = issues[0];
  return { type: "invalid", reason: issue ? `${issue.path.join(".") || "frame"}: ${issue.message}` : "does not match the protocol" };
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
