import type { ProtocolErrorCode } from "../../../schema/errors";
import { MAX_FRAME_BYTES, RelayMessage, ServerMessage, type ServerMessageInput } from "../../../schema/protocol";

export type ParsedFrame = { ok: true; frame: RelayMessage } | { ok: false; message: string };

/** Every frame from a relay goes through here; anything that does not parse is answered with `error` and dropped. */
export function parseRelayFrame(raw: string | ArrayBuffer): ParsedFrame {
  if (typeof raw !== "string") return { ok: false, message: "binary frames are not accepted: send JSON text frames" };
  const bytes = new TextEncoder().encode(raw).byteLength;
  if (bytes > MAX_FRAME_BYTES) return { ok: false, message: `frame of ${bytes} bytes is over the ${MAX_FRAME_BYTES}-byte limit` };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, message: "frame is not valid JSON" };
  }
  const parsed = RelayMessage.safeParse(json);
  if (!parsed.success) {
    const text = parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.join(".") : "frame"}: ${i.message}`).join("; ");
    return { ok: false, message: `invalid frame: ${text}`.slice(0, 2000) };
  }
  return { ok: true, frame: parsed.data };
}

/** Outgoing frames are validated too (principle 6): a bad frame is a bug here, not something to put on the wire. */
export function sendFrame(ws: WebSocket, frame: ServerMessageInput): boolean {
  const text = JSON.stringify(ServerMessage.parse(frame));
  if (new TextEncoder().encode(text).byteLength > MAX_FRAME_BYTES) throw new Error(`refusing to send a ${frame.type} frame over ${MAX_FRAME_BYTES} bytes`);
  try {
    ws.send(text);
    return true;
  } catch {
    // The socket closed under us; the caller treats the relay as gone.
    return false;
  }
}

export function sendError(ws: WebSocket, code: ProtocolErrorCode, message: string): void {
  sendFrame(ws, { type: "error", code, message: message.slice(0, 2000) });
}
