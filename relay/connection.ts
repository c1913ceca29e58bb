import WebSocket from "ws";
import { CloseCode, MAX_FRAME_BYTES, PROTOCOL_VERSION, type RelayMessage } from "../schema/protocol";
import { Backoff } from "./backoff";
import type { Dispatcher } from "./dispatcher";
import { decodeFrame, encodeFrame } from "./frames";
import type { Log } from "./log";

/**
 * The relay's one outbound WebSocket to the API: authenticates with the relay
 * token, says hello, keeps a heartbeat, and reconnects with backoff until told
 * it is revoked or stopped. Frames in are validated before anything acts on
 * them; frames out are validated by the dispatcher.
 */

export interface ConnectionOptions {
  url: string;
  token: string;
  site: string;
  relayVersion: string;
  heartbeatMs: number;
  /** The relay's own policy.allowHooks, told to the API in hello so it can refuse a hook run up front. */
  allowHooks: boolean;
  log: Log;
  /** A connection open this long counts as stable: the backoff starts over. */
  stableMs?: number;
  backoff?: Backoff;
}

export function connectUrl(apiUrl: string): string {
  const url = new URL(apiUrl);
  if (url.protocol === "http:") url.protocol = "ws:";
  else if (url.protocol === "https:") url.protocol = "wss:";
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/v1/relays/connect`;
  return url.toString();
}

// Results are worth keeping across a reconnect; heartbeats and step.started are not.
const MAX_QUEUED_RESULTS = 1000;

export class RelayConnection {
  private ws: WebSocket | undefined;
  private dispatcher: Dispatcher | undefined;
  private readonly backoff: Backoff;
  private readonly queued: RelayMessage[] = [];
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private stableTimer: NodeJS.Timeout | undefined;
  private heartbeatMs: number;
  private lastAck = 0;
  private stopping = false;
  private resolveDone: (reason: string) => void = () => {};
  /** Resolves when the connection gives up for good (stopped, or revoked by the API). */
  readonly done: Promise<string>;

  constructor(private readonly opts: ConnectionOptions) {
    this.backoff = opts.backoff ?? new Backoff();
    this.heartbeatMs = opts.heartbeatMs;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  start(dispatcher: Dispatcher): void {
    this.dispatcher = dispatcher;
    this.dial();
  }

  private dial(): void {
    const url = connectUrl(this.opts.url);
    const ws = new WebSocket(url, {
      headers: { Authorization: `Bearer ${this.opts.token}` },
      maxPayload: MAX_FRAME_BYTES,
      handshakeTimeout: 15_000,
    });
    this.ws = ws;
    ws.on("open", () => this.onOpen(ws, url));
    ws.on("message", (data, isBinary) => this.onMessage(ws, data, isBinary));
    // ws reports failures (refused, 401 on upgrade, oversized frame) here and then closes.
    ws.on("error", (err) => this.opts.log("ws", `error: ${err.message}`));
    ws.on("close", (code, reason) => this.onClose(ws, code, reason.toString()));
  }

  private onOpen(ws: WebSocket, url: string): void {
    this.opts.log("ws", `connected to ${url}`);
    this.lastAck = Date.now();
    this.write(ws, {
      type: "hello",
      relayVersion: this.opts.relayVersion,
      protocolVersion: PROTOCOL_VERSION,
      site: this.opts.site,
      policy: { allowHooks: this.opts.allowHooks },
    });
    for (const message of this.queued.splice(0)) this.write(ws, message);
    this.startHeartbeat(ws);
    this.stableTimer = setTimeout(() => this.backoff.reset(), this.opts.stableMs ?? 10_000);
  }

  private startHeartbeat(ws: WebSocket): void {
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = setInterval(() => {
      if (Date.now() - this.lastAck > 3 * this.heartbeatMs) {
        this.opts.log("ws", `no heartbeat.ack for ${3 * this.heartbeatMs} ms: dropping the connection`);
        ws.terminate();
        return;
      }
      this.write(ws, { type: "heartbeat", at: Date.now() });
    }, this.heartbeatMs);
  }

  private onMessage(ws: WebSocket, data: WebSocket.RawData, isBinary: boolean): void {
    if (ws !== this.ws) return;
    const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data);
    const frame = decodeFrame(buffer, isBinary);
    switch (frame.type) {
      case "invalid":
        this.opts.log("ws", `ignoring invalid frame: ${frame.reason}`);
        return;
      case "step.run.bad":
        this.opts.log("ws", `step.run ${frame.runId}/${frame.stepId} carries an invalid step: answering invalid_step`);
        this.dispatcher?.refuse(frame);
        return;
      case "welcome":
        this.opts.log("ws", `welcome: relay ${frame.relay}, site ${frame.site}`);
        // Never beat slower than the server expects.
        if (frame.heartbeatMs < this.heartbeatMs) {
          this.heartbeatMs = frame.heartbeatMs;
          this.startHeartbeat(ws);
        }
        return;
      case "heartbeat.ack":
        this.lastAck = Date.now();
        return;
      case "step.run":
        this.dispatcher?.run(frame);
        return;
      case "step.cancel":
        this.opts.log("ws", `cancel ${frame.runId}${frame.stepId ? `/${frame.stepId}` : " (whole run)"}`);
        this.dispatcher?.cancel(frame.runId, frame.stepId);
        return;
      case "error":
        this.opts.log("ws", `server error ${frame.code}: ${frame.message}`);
        return;
    }
  }

  private onClose(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.ws) return;
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.stableTimer);
    this.ws = undefined;
    this.heartbeatMs = this.opts.heartbeatMs;
    this.opts.log("ws", `closed (${code}${reason ? ` ${reason}` : ""})`);
    if (this.stopping) return;
    if (code === CloseCode.revoked) {
      this.opts.log("ws", "the API revoked this relay's token: not reconnecting");
      this.stopping = true;
      this.resolveDone("revoked");
      return;
    }
    // Replaced, bad hello, protocol mismatch, network loss: all retry with
    // backoff; the server decides which connection it keeps.
    const delay = this.backoff.next();
    this.opts.log("ws", `reconnecting in ${delay} ms`);
    this.reconnectTimer = setTimeout(() => this.dial(), delay);
  }

  /** Sends a frame now, or keeps step results for the next connection. */
  send(message: RelayMessage): void {
    const ws = this.ws;
    if (ws && ws.readyState === WebSocket.OPEN) {
      this.write(ws, message);
      return;
    }
    if (message.type === "step.finished" && this.queued.length < MAX_QUEUED_RESULTS) this.queued.push(message);
  }

  private write(ws: WebSocket, message: RelayMessage): void {
    const text = encodeFrame(message);
    if (text === undefined) {
      this.opts.log("ws", `dropping a ${message.type} frame larger than ${MAX_FRAME_BYTES} bytes`);
      return;
    }
    ws.send(text);
  }

  /** Closes the socket cleanly (1000) and stops reconnecting. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.stableTimer);
    const ws = this.ws;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          ws.terminate();
          resolve();
        }, 2_000);
        ws.once("close", () => {
          clearTimeout(force);
          resolve();
        });
        if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
        else ws.close(1000, "relay stopping");
      });
    }
    this.ws = undefined;
    this.resolveDone("stopped");
  }
}
