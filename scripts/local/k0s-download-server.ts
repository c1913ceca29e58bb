import { createServer, type Server } from "node:http";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeStandin } from "../../sim/standins";

/**
 * Stands in for k0s's GitHub releases, which this network cannot reach: serves
 * `/k0s-v<version>-<arch>` as a k0s stand-in reporting that version, so specs
 * with `k0sDownloadURL` (and upgrades to a new version) work on simulated hosts.
 */
export interface DownloadServer {
  url: string;
  /** Paths requested so far, for tests that assert who downloaded what. */
  requests: string[];
  stop(): Promise<void>;
}

export async function startK0sDownloadServer(port = 0): Promise<DownloadServer> {
  const dir = await mkdtemp(join(tmpdir(), "keel-k0s-dl-"));
  const requests: string[] = [];
  // One build per version: hosts download in parallel, and a file rewritten
  // while another request reads it would be served truncated.
  const builds = new Map<string, Promise<Buffer>>();
  const binary = (version: string): Promise<Buffer> => {
    let build = builds.get(version);
    if (!build) {
      const file = join(dir, `k0s-${version}`);
      build = writeStandin(file, `v${version}`).then(() => readFile(file));
      builds.set(version, build);
    }
    return build;
  };
  const server: Server = createServer((req, res) => {
    const path = req.url ?? "/";
    requests.push(path);
    const m = /^\/k0s-v(\d+\.\d+\.\d+[0-9A-Za-z.+-]*)-(amd64|arm64|arm)$/.exec(decodeURIComponent(path));
    if (!m || req.method !== "GET") {
      res.writeHead(404).end("not found\n");
      return;
    }
    binary(m[1] ?? "")
      .then((body) => res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": body.length }).end(body))
      .catch((err: unknown) => res.writeHead(500).end(String(err)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const actual = typeof address === "object" && address ? address.port : port;
  return {
    url: `http://127.0.0.1:${actual}`,
    requests,
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
