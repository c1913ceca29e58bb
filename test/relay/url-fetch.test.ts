import { createServer as createTcpServer, type LookupFunction, type Server as TcpServer } from "node:net";
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Executor } from "../../relay/executor";
import { Journal } from "../../relay/journal";
import { KnownHosts } from "../../relay/known-hosts";
import { Policy } from "../../relay/policy";
import { SshPool } from "../../relay/ssh-pool";
import { download, sha256Of } from "../../relay/steps/relay-sources";
import { StepFailure } from "../../relay/steps/step-failure";
import { recordingLog, tempDir } from "./helpers";
import { decodingExecutor } from "./sim-relay";

// F7: what the relay downloads for the API. An allowlisted server on
// 127.0.0.1, one that is not on 127.0.0.2 (it counts every request it gets).

async function listen(server: Server | TcpServer, host: string): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe("relay-side URL fetches", () => {
  let allowed: Server;
  let other: Server;
  let sshLike: TcpServer;
  let A = "";
  let B = "";
  let sshPort = 0;
  const hits: string[] = [];
  let state: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    state = await tempDir("keel-urls-");
    other = createServer((req, res) => {
      hits.push(`other ${req.url}`);
      res.end("internal secret\n");
    });
    B = `http://127.0.0.2:${await listen(other, "127.0.0.2")}`;
    allowed = createServer((req, res) => {
      hits.push(`allowed ${req.url}`);
      if (req.url === "/files/ok.txt") return res.end("payload\n");
      if (req.url === "/files/hop") return res.writeHead(302, { location: "/files/ok.txt" }).end();
      if (req.url === "/files/away") return res.writeHead(302, { location: `${B}/files/ok.txt` }).end();
      if (req.url === "/files/metadata") return res.writeHead(301, { location: "http://169.254.169.254/latest/meta-data/" }).end();
      res.writeHead(404).end();
    });
    A = `http://127.0.0.1:${await listen(allowed, "127.0.0.1")}`;
    sshLike = createTcpServer((socket) => {
      hits.push("ssh");
      socket.destroy();
    });
    sshPort = await listen(sshLike, "127.0.0.1");
  });
  afterAll(async () => {
    for (const s of [allowed, other, sshLike]) await new Promise((resolve) => s?.close(resolve));
    await state?.remove();
  });

  // Names no DNS server knows, the way a hostile resolver would answer them.
  const lookup = ((hostname: string, _options: unknown, callback: (err: Error | null, addresses: { address: string; family: number }[]) => void) => {
    const table: Record<string, string> = { "metadata.google.internal": "169.254.169.254", "sneaky.example": "fe80::1", "files.example": "127.0.0.1" };
    const address = table[hostname];
    if (!address) return callback(Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: "ENOTFOUND" }), []);
    callback(null, [{ address, family: address.includes(":") ? 6 : 4 }]);
  }) as unknown as LookupFunction;

  const policyWith = (allowedUrls: string[]) => new Policy({ allowedHosts: ["127.0.0.1"], allowedUrls, urlLookup: lookup });
  const signal = () => new AbortController().signal;

  async function refusal(url: string, allowedUrls: string[]): Promise<{ code?: string; message?: string }> {
    try {
      const got = await download(url, signal(), policyWith(allowedUrls));
      await got.remove();
    } catch (err) {
      if (err instanceof StepFailure) return { code: err.outcome.error?.code, message: err.outcome.error?.message };
      throw err;
    }
    throw new Error(`${url} was downloaded`);
  }

  it("downloads from an allowed prefix, following a redirect that stays on it", async () => {
    hits.length = 0;
    const got = await download(`${A}/files/hop`, signal(), policyWith([`${A}/files/`]));
    expect(got.sha256).toBe(sha256Of("payload\n"));
    await got.remove();
    expect(hits).toEqual(["allowed /files/hop", "allowed /files/ok.txt"]);
  });

  it("refuses URLs off the allowlist, and redirects off it, without requesting them", async () => {
    hits.length = 0;
    expect(await refusal(`${B}/files/ok.txt`, [`${A}/files/`])).toEqual({ code: "policy_denied", message: `${B}/files/ok.txt is outside this relay's policy.allowedUrls` });
    expect(await refusal(`${A}/other`, [`${A}/files/`])).toMatchObject({ code: "policy_denied" });
    expect(await refusal(`${A}/files/../other`, [`${A}/files/`])).toMatchObject({ code: "policy_denied" });
    expect(await refusal(`${A}/files/away`, [`${A}/files/`])).toEqual({ code: "policy_denied", message: `redirect to ${B}/files/ok.txt is outside this relay's policy.allowedUrls` });
    expect(await refusal(`${A}/files/ok.txt`, [])).toMatchObject({ code: "policy_denied" });
    expect(hits).toEqual(["allowed /files/away"]);
  });

  it.each([
    "http://169.254.169.254/latest/meta-data/iam",
    "http://169.254.170.2/v2/credentials",
    "http://[fe80::1]/x",
    "http://[::ffff:169.254.169.254]/x",
    "http://2852039166/x",
    "http://0xA9FEA9FE/x",
    "http://[fd00:ec2::254]/x",
    "http://100.100.100.200/x",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://sneaky.example/x",
  ])("refuses %s by its address even when allowlisted, without connecting", async (url) => {
    const r = await refusal(url, ["http://169.254.169.254/", "http://169.254.170.2/", "http://[fe80::1]/", "http://[::ffff:a9fe:a9fe]/", "http://[fd00:ec2::254]/", "http://100.100.100.200/", "http://metadata.google.internal/", "http://sneaky.example/"]);
    expect(r.code).toBe("policy_denied");
    expect(r.message).toMatch(/link-local or cloud metadata address/);
  });

  it("refuses a redirect to a metadata address even when that is allowlisted too", async () => {
    const r = await refusal(`${A}/files/metadata`, [`${A}/files/`, "http://169.254.169.254/"]);
    expect(r).toMatchObject({ code: "policy_denied", message: expect.stringMatching(/169\.254\.169\.254.*link-local/) });
  });

  it("a hostname resolving to an allowed address works", async () => {
    const port = new URL(A).port;
    const got = await download(`http://files.example:${port}/files/ok.txt`, signal(), policyWith([`http://files.example:${port}/files/`]));
    expect(got.size).toBe(8);
    await got.remove();
  });

  it("the executor refuses an off-list URL step before fetching or connecting", async () => {
    hits.length = 0;
    const { log } = recordingLog();
    const policy = policyWith([`${A}/files/`]);
    const pool = new SshPool({ knownHosts: await KnownHosts.open(state.path), connectTimeoutMs: 2000, keepaliveMs: 5000, log });
    const executor = decodingExecutor(new Executor({ pool, policy, journal: await Journal.open(state.path), log }));
    const host = { address: "127.0.0.1", port: sshPort, user: "root" };
    const file = await executor.execute("run-f7", { id: "u", kind: "file.upload", host, source: { from: "url", url: `${B}/latest/meta-data/iam` }, dstDir: "/tmp", dirPerm: "0755" });
    expect(file.result.error?.code).toBe("policy_denied");
    const stage = await executor.execute("run-f7", { id: "s", kind: "k0s.binary.stage", host, source: { from: "url", url: "http://169.254.169.254/k0s", fetch: "relay" }, tmpPath: "/usr/local/bin/k0s.tmp.x", version: "v1.30.0+k0s.0" });
    expect(stage.result.error?.code).toBe("policy_denied");
    expect(hits).toEqual([]);
    await pool.closeAll();
  });
});
