import { z } from "zod";

/**
 * Per-socket state, kept in the socket's hibernation attachment so that it
 * survives the object being evicted while the relay stays connected.
 */
export const SocketState = z.object({
  relay: z.string(),
  site: z.string(),
  /** New for every connection: lets a ClusterObject notice that the relay reconnected. */
  connectionId: z.string(),
  connectedAt: z.number(),
  /** Set once the relay's hello was accepted; before that no step is sent on the socket. */
  helloAt: z.number().nullable(),
  /** The relay's policy as its hello stated it: runs with hooks are refused up front when false. */
  allowHooks: z.boolean().default(false),
  /** Last time lastSeenAt was written to D1 (heartbeats are throttled). */
  seenWrittenAt: z.number(),
});
export type SocketState = z.infer<typeof SocketState>;

export function readState(ws: WebSocket): SocketState | null {
  const parsed = SocketState.safeParse(ws.deserializeAttachment());
  return parsed.success ? parsed.data : null;
}

export function writeState(ws: WebSocket, state: SocketState): void {
  ws.serializeAttachment(state);
}

/** The socket steps go to: open, past hello, and the newest if (briefly) there are two. */
export function currentSocket(sockets: WebSocket[]): { ws: WebSocket; state: SocketState } | null {
  let best: { ws: WebSocket; state: SocketState } | null = null;
  for (const ws of sockets) {
    if (ws.readyState !== WebSocket.OPEN) continue;
    const state = readState(ws);
    if (state?.helloAt == null) continue;
    if (!best || state.helloAt > (best.state.helloAt ?? 0)) best = { ws, state };
  }
  return best;
}

/** Closing a socket that is already closing throws; that is not an error here. */
export function closeQuietly(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason.slice(0, 120));
  } catch {
    // already closed
  }
}
