import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { CloseCode, type ServerMessageInput } from "../../schema/protocol";
import type { Env } from "../core/env";
import { sendFrame } from "./relay-socket/frames";
import { handleRelayClose, handleRelayMessage } from "./relay-socket/relay-session";
import { RELAY_NAME_HEADER, RELAY_SITE_HEADER } from "../core/relay-identity";
import { closeQuietly, currentSocket, writeState } from "./relay-socket/socket-state";

const Identity = z.object({ relay: z.string().min(1).max(100), site: z.string().min(1).max(100) });

/**
 * One per relay (idFromName(relay name)): holds the relay's WebSocket with the
 * hibernation API, so an idle relay costs nothing. Frame handling lives in
 * relay-socket/relay-session.ts; ClusterObjects reach the relay through send().
 */
export class RelayObject extends DurableObject<Env> {
  /** Reached only from the connect route, which authenticated the relay and set the identity headers. */
  override async fetch(request: Request): Promise<Response> {
    const identity = Identity.safeParse({ relay: request.headers.get(RELAY_NAME_HEADER), site: request.headers.get(RELAY_SITE_HEADER) });
    if (!identity.success || request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected an authenticated websocket upgrade", { status: 400 });
    }
    const previous = this.ctx.getWebSockets();
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [identity.data.relay]);
    writeState(server, { ...identity.data, connectionId: crypto.randomUUID(), connectedAt: Date.now(), helloAt: null, seenWrittenAt: 0, allowHooks: false });
    // One relay, one connection: the newest wins (the old one is likely a half-dead TCP session).
    for (const old of previous) closeQuietly(old, CloseCode.replaced, "replaced by a newer connection of this relay");
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    await handleRelayMessage(this.env, this.ctx, ws, message);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    // Complete the closing handshake; 1005/1006 are reserved and cannot be sent back.
    closeQuietly(ws, code === 1005 || code === 1006 ? 1000 : code, reason);
    await handleRelayClose(this.env, this.ctx, ws);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await handleRelayClose(this.env, this.ctx, ws);
  }

  /** Sends a frame on the current connection; false when the relay is not connected (or past hello). */
  async send(frame: ServerMessageInput): Promise<boolean> {
    const current = currentSocket(this.ctx.getWebSockets());
    return current ? sendFrame(current.ws, frame) : false;
  }

  /**
   * Sends frames in order on the current connection: true when sent, false
   * when the relay is not connected, or why the frame was refused (it failed
   * validation: a bug on the sending side, reported rather than thrown so the
   * other frames still go).
   */
  async sendAll(frames: ServerMessageInput[]): Promise<(boolean | string)[]> {
    const current = currentSocket(this.ctx.getWebSockets());
    return frames.map((frame) => {
      if (!current) return false;
      try {
        return sendFrame(current.ws, frame);
      } catch (err) {
        return err instanceof Error ? err.message.slice(0, 1000) : String(err);
      }
    });
  }

  /** The relay's token was revoked: drop its connection now rather than at its next reconnect. */
  async disconnect(): Promise<void> {
    for (const ws of this.ctx.getWebSockets()) closeQuietly(ws, CloseCode.revoked, "relay revoked");
  }

  async isConnected(): Promise<boolean> {
    return currentSocket(this.ctx.getWebSockets()) !== null;
  }

  /** The current connection's id changes on every reconnect: ClusterObjects re-send in-flight steps when it does. */
  async connection(): Promise<{ id: string; helloAt: number; allowHooks: boolean } | null> {
    const current = currentSocket(this.ctx.getWebSockets());
    return current ? { id: current.state.connectionId, helloAt: current.state.helloAt ?? 0, allowHooks: current.state.allowHooks } : null;
  }
}
