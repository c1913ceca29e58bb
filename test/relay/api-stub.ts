import type { IncomingMessage } from "node:http";
import { WebSocketServer, type WebSocket } from "ws";
import { RelayMessage, type ServerMessageInput } from "../../schema/protocol";

/**
 * The API side of the relay's WebSocket for tests: a real `ws` server on
 * 127.0.0.1 that records every frame (parsed with the shared RelayMessage
 * schema) and lets a test answer.
 */
export interface StubConnection {
  socket: WebSocket;
  request: IncomingMessage;
  frames: RelayMessage[];
  send(message: ServerMessageInput): void;
}

export class ApiStub {
  readonly connections: StubConnection[] = [];
  /** Answer each heartbeat with heartbeat.ack (turn off to test the relay's watchdog). */
  autoAck = true;
  invalidFrames: string[] = [];

  private constructor(private readonly server: WebSocketServer, readonly url: string) {
    server.on("connection", (socket, request) => {
      const conn: StubConnection = {
        socket,
        request,
        frames: [],
        send: (message) => socket.send(JSON.stringify(message)),
      };
      this.connections.push(conn);
      socket.on("message", (data) => {
        const text = data.toString();
        const parsed = RelayMessage.safeParse(JSON.parse(text));
        if (!parsed.success) {
          this.invalidFrames.push(text);
          return;
        }
        conn.frames.push(parsed.data);
        if (parsed.data.type === "heartbeat" && this.autoAck) conn.send({ type: "heartbeat.ack", at: parsed.data.at });
      });
    });
  }

  static async start(): Promise<ApiStub> {
    const server = new WebSocketServer({ host: "127.0.0.1", port: 0, path: "/v1/relays/connect" });
    await new Promise<void>((resolve) => server.once("listening", resolve));
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("unexpected address");
    return new ApiStub(server, `http://127.0.0.1:${address.port}`);
  }

  get latest(): StubConnection | undefined {
    return this.connections.at(-1);
  }

  allFrames(): RelayMessage[] {
    return this.connections.flatMap((c) => c.frames);
  }

  async close(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
