import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { ErrorCode, ErrorDetail } from "../../schema/errors";

/**
 * A real HTTP server on 127.0.0.1 that answers like keel's API for the CLI
 * tests: bearer auth, the `{error:{…}}` body, JSON routes and a real
 * text/event-stream. Each test scripts the routes it needs; every request is
 * recorded. (The real API is exercised by the e2e suite.)
 */

export const TOKEN = "keel-test-token-5f0c3a9d71e2";

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage["headers"];
  body: unknown;
}

export type Handler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export interface StubApi {
  url: string;
  requests: RecordedRequest[];
  /** "METHOD /path" of every request, in order. */
  calls(): string[];
  close(): Promise<void>;
}

export async function startStubApi(routes: Record<string, Handler>): Promise<StubApi> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => sendError(res, 500, "internal", String(err)));
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://stub");
    const text = await readText(req);
    const recorded: RecordedRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: text === "" ? undefined : JSON.parse(text),
    };
    requests.push(recorded);
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return sendError(res, 401, "unauthorized", "missing or invalid token");
    const route = routes[`${recorded.method} ${recorded.path}`];
    if (!route) return sendError(res, 404, "not_found", `no route for ${recorded.method} ${recorded.path}`);
    await route(recorded, res);
  }
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("stub API is not listening on TCP");
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    calls: () => requests.map((r) => `${r.method} ${r.path}`),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

export function sendError(res: ServerResponse, status: number, code: ErrorCode, message: string, details?: ErrorDetail[]): void {
  sendJson(res, status, { error: { code, message, ...(details ? { details } : {}) } });
}

export interface EventStream {
  event(name: string, data: unknown, id?: number): void;
  /** Cuts the connection without an `end` event, as a dropped network would. */
  drop(): void;
  end(): void;
  closed: Promise<void>;
}

export function openEventStream(res: ServerResponse): EventStream {
  res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
  res.write(": stream open\n\n");
  return {
    event: (name, data, id) => res.write(`${id !== undefined ? `id: ${id}\n` : ""}event: ${name}\ndata: ${JSON.stringify(data)}\n\n`),
    drop: () => res.socket?.destroy(),
    end: () => res.end(),
    closed: new Promise((resolve) => res.on("close", () => resolve())),
  };
}

/** A stored run event as the API returns it. */
export function runEvent(id: number, level: "info" | "warn" | "error", type: string, message: string, host: string | null = null, phase: string | null = null) {
  return { id, at: 1_700_000_000_000 + id, level, type, phase, host, message };
}

function readText(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (text += chunk));
    req.on("end", () => resolve(text));
    req.on("error", reject);
  });
}
