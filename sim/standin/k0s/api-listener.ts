import { readFileSync } from "node:fs";
import { createServer } from "node:https";
import { join } from "node:path";
import { HOST } from "./host";

// The controller's Kubernetes API port as a load balancer sees it: TLS with
// the controller's own server certificate (pki/server.crt, re-issued at each
// start) on the host's address, answering /readyz and /livez like the status
// socket. What an haproxy `check-ssl` + `httpchk GET /readyz` needs; nothing
// else of the API is served. A stopped controller's port refuses connections.

export function listenApi(dataDir: string, port: number, readyz: () => boolean): void {
  const pki = join(dataDir, "pki");
  const server = createServer({ cert: readFileSync(join(pki, "server.crt")), key: readFileSync(join(pki, "server.key")) }, (req, res) => {
    if (req.url === "/readyz" || req.url === "/livez") {
      const ok = readyz();
      res.statusCode = ok ? 200 : 503;
      return void res.end(ok ? "ok" : "[-]etcd failed: reason withheld\nreadyz check failed");
    }
    res.statusCode = 403;
    res.end('{"kind":"Status","status":"Failure","reason":"Forbidden","code":403}');
  });
  // The port is for load balancers in tests; a stand-in whose port is taken still runs its controller.
  server.on("error", (err) => console.error(`time="${new Date().toISOString()}" level=warning msg="API port ${HOST.address}:${port} not served: ${err.message}"`));
  server.listen(port, HOST.address);
}
