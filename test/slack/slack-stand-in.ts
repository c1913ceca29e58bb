import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One request keel sent to "Slack". */
export interface SlackRecord {
  path: string;
  /** Whether a bearer token came (the token itself is not kept). */
  bearer: string | null;
  body: unknown;
  /** The body as sent (a webhook's signature covers these exact bytes). */
  raw: string;
  /** Standard Webhooks headers, when sent. */
  webhook: { id: string; timestamp: string; signature: string } | null;
  at: number;
}

export interface SlackStandIn {
  url: string;
  records: SlackRecord[];
  stop(): Promise<void>;
}

/**
 * Plays Slack's side for tests, recording what keel sends: response_url
 * posts (any path; paths containing /gone/ answer 404 like an expired URL,
 * /fail-once/ answers 500 the first time), the Web API's chat.postMessage and
 * chat.update under /api/, and anything else (incoming webhooks, outbound
 * webhooks) with 200. GET /__recorded?prefix=… lists what came, for
 * tests running in workerd that cannot see this process's memory.
 */
export async function startSlackStandIn(host = "127.0.0.1"): Promise<SlackStandIn> {
  const records: SlackRecord[] = [];
  const failedOnce = new Set<string>();
  let ts = 1_700_000_000;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://stand-in");
    if (req.method === "GET" && url.pathname === "/__recorded") {
      const prefix = url.searchParams.get("prefix") ?? "";
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(records.filter((r) => r.path.startsWith(prefix))));
      return;
    }
    let text = "";
    req.on("data", (d: Buffer) => (text += d.toString()));
    req.on("end", () => {
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // kept as text
      }
      const auth = req.headers.authorization ?? null;
      const h = (name: string) => String(req.headers[name] ?? "");
      const webhook = req.headers["webhook-id"] ? { id: h("webhook-id"), timestamp: h("webhook-timestamp"), signature: h("webhook-signature") } : null;
      records.push({ path: url.pathname, bearer: auth?.replace(/^Bearer /, "") ?? null, body, raw: text, webhook, at: Date.now() });
      if (url.pathname.startsWith("/api/")) {
        ts += 1;
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, ts: `${ts}.000100`, channel: (body as { channel?: string }).channel }));
      } else if (url.pathname.includes("/gone/")) {
        res.writeHead(404).end("expired_url");
      } else if (url.pathname.includes("/fail-once/") && !failedOnce.has(url.pathname)) {
        failedOnce.add(url.pathname);
        res.writeHead(500).end("try again");
      } else {
        res.writeHead(200).end("ok");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  // Never what keeps a test process alive.
  server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    records,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
