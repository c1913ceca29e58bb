import { createServer, type Server } from "node:http";
import { existsSync } from "node:fs";
import { readFile, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sh } from "../../relay/quote";
import { putFile, withSftp } from "../../relay/steps/remote-write";
import type { UploadSource } from "../../relay/steps/sftp-write";
import type { StepContext } from "../../relay/steps/step-context";
import { StepFailure } from "../../relay/steps/step-failure";
import { UploadCache } from "../../relay/upload-cache";
import { startHosts, type SimCluster, type SimHost } from "../../sim/harness";
import { tempDir, waitFor } from "./helpers";
import { relayParts, targetOf } from "./sim-relay";

// Own addresses (127.0.0.47..48) inside test/relay's .41–.55.
const FIRST_OCTET = 47;
const K0S = "/usr/local/bin/k0s";
// Large enough that a test sees the transfer under way before it ends, even at full speed.
const BIG = 160 * 1024 * 1024;

describe("k0s steps: policy, secrets and broken transfers on real hosts", () => {
  let cluster: SimCluster;
  let state: Awaited<ReturnType<typeof tempDir>>;
  let roots: Awaited<ReturnType<typeof tempDir>>;
  let outside: Awaited<ReturnType<typeof tempDir>>;
  let http: Server;
  let baseUrl = "";
  let seq = 0;

  const host = (i: number): SimHost => {
    const h = cluster.hosts[i];
    if (!h) throw new Error(`no host ${i}`);
    return h;
  };
  const stepOn = (i: number, kind: string, fields: Record<string, unknown>) => ({ id: `${kind}-${++seq}`, kind, host: targetOf(cluster, host(i)), timeoutMs: 30_000, ...fields });
  const connectedTo = (lines: string[], i: number) => lines.some((l) => l.includes(`${host(i).address}:22: connected`));
  // Uploads are staged in `.keel-tmp-*` folders beside the destination folder (here the host's /tmp).
  const stagedIn = async (i: number) => (await readdir(join(host(i).root, "tmp"))).filter((n) => n.startsWith(".keel-tmp-"));
  const stagedBytes = async (i: number) => {
    let total = 0;
    for (const d of await stagedIn(i)) for (const f of await readdir(join(host(i).root, "tmp", d)).catch(() => [])) total += (await stat(join(host(i).root, "tmp", d, f)).catch(() => ({ size: 0 }))).size;
    return total;
  };

  beforeAll(async () => {
    state = await tempDir("keel-relay-guards-");
    roots = await tempDir("keel-relay-guard-roots-");
    outside = await tempDir("keel-relay-outside-");
    await writeFile(join(outside.path, "secret.txt"), "not for hosts");
    await writeFile(join(roots.path, "big.bin"), Buffer.alloc(BIG, 7));
    http = createServer((req, res) => {
      if (req.url === "/ok/payload.txt") return res.end("payload from the relay's network\n");
      if (req.url === "/broken/payload.bin") {
        // Promise a megabyte, send a little, then hang up.
        res.writeHead(200, { "content-length": String(1024 * 1024) });
        res.write(Buffer.alloc(4096, 1));
        setTimeout(() => res.socket?.destroy(), 50);
        return;
      }
      res.statusCode = 404;
      res.end("nope");
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const address = http.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    baseUrl = `http://127.0.0.1:${address.port}`;
    cluster = await startHosts({ count: 2, firstOctet: FIRST_OCTET, hostnames: ["guard-1", "guard-2"], installK0s: true });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
    await new Promise((resolve) => http?.close(resolve));
    await state?.remove();
    await roots?.remove();
    await outside?.remove();
  });

  it("a relay path outside the upload roots is policy_denied before any connection", async () => {
    const { executor, logs, pool } = await relayParts(state.path, { uploadRoots: [roots.path] });
    const upload = await executor.execute("run-policy", stepOn(0, "file.upload", { source: { from: "relay", path: join(outside.path, "secret.txt") }, dst: "/tmp/x", dirPerm: "0755" }));
    expect(upload.result.error?.code).toBe("policy_denied");
    expect(upload.result.error?.message).toContain("outside this relay's policy.uploadRoots");
    const stage = await executor.execute("run-policy", stepOn(0, "k0s.binary.stage", { source: { from: "relay", relayPath: join(outside.path, "secret.txt") }, tmpPath: `${K0S}.tmp.guard`, version: "v1.21.2+k0s.1" }));
    expect(stage.result.error?.code).toBe("policy_denied");
    expect(connectedTo(logs.lines, 0)).toBe(false);
    expect(existsSync(join(host(0).root, "tmp/x"))).toBe(false);
    await pool.closeAll();
  });

  it("hook.run is refused without connecting when allowHooks is false, and runs line by line when true", async () => {
    const hook = stepOn(1, "hook.run", { hook: "apply.before", lines: ["echo one", "hostname; echo two >&2"] });
    const off = await relayParts(state.path);
    const refused = await off.executor.execute("run-hooks", hook);
    expect(refused.result.error?.code).toBe("policy_denied");
    expect(refused.result.error?.message).toContain("policy.allowHooks");
    expect(connectedTo(off.logs.lines, 1)).toBe(false);

    // A refusal is not journaled: the same step on a relay that allows hooks runs.
    const on = await relayParts(state.path, { allowHooks: true });
    const ran = await on.executor.execute("run-hooks", hook);
    expect(ran.fromJournal).toBe(false);
    expect(ran.result).toMatchObject({ ok: true, exitCode: 0, stdout: "one\nguard-2\n", stderr: "two\n" });

    const failing = await on.executor.execute("run-hooks", stepOn(1, "hook.run", { hook: "apply.after", lines: ["true", "echo bad >&2; exit 7", "echo never"] }));
    expect(failing.result).toMatchObject({ ok: false, exitCode: 7, error: { code: "command_failed" } });
    expect(failing.result.stdout).not.toContain("never");
    await on.pool.closeAll();
  });

  it("a source that fails mid-stream leaves nothing at the final name", async () => {
    const { pool, policy, journal, logs } = await relayParts(state.path);
    const target = targetOf(cluster, host(0));
    const ctx: StepContext = {
      runId: "run-broken",
      host: target,
      pool,
      policy,
      journal,
      files: new UploadCache(),
      log: logs.log,
      signal: new AbortController().signal,
      deadline: Date.now() + 60_000,
      run: (command, opts) => pool.exec(target, command, undefined, opts?.stdin),
      sftp: async () => (await pool.connect(target)).sftp(),
    };
    await pool.exec(target, sh`mkdir -p /tmp/broken`);
    let reads = 0;
    const source: UploadSource = {
      size: 16 * 1024 * 1024,
      read: async (_position, length, into) => {
        if (++reads > 8) throw new Error("disk read failed");
        return into.fill(1, 0, length).subarray(0, length);
      },
      close: async () => {},
    };
    const put = withSftp(ctx, (sftp) => putFile(ctx, sftp, source, "/tmp/broken/final.bin", { mode: "0644" }));
    await expect(put).rejects.toBeInstanceOf(StepFailure);
    await expect(put).rejects.toThrow(/upload to \/tmp\/broken\/final.bin on the host failed: disk read failed/);
    expect(await readdir(join(host(0).root, "tmp/broken"))).toEqual([]);
    expect(await stagedIn(0)).toEqual([]);
    await pool.closeAll();
  });

  it("a connection killed mid-upload leaves nothing at the final name", async () => {
    const { executor, pool } = await relayParts(state.path, { uploadRoots: [roots.path] });
    const target = targetOf(cluster, host(1));
    const dir = join(host(1).root, "tmp/killed");
    const running = executor.execute("run-killed", stepOn(1, "file.upload", { source: { from: "relay", path: join(roots.path, "big.bin") }, dstDir: "/tmp/killed", dirPerm: "0755" }));
    await waitFor(() => existsSync(dir), 20_000, "the destination folder");
    await waitFor(async () => (await stagedBytes(1)) >= 1024 * 1024, 20_000, "over 1 MiB staged");
    (await pool.connect(target)).client.destroy();
    const { result } = await running;
    expect(result.ok).toBe(false);
    expect(result.error?.code).toBe("command_failed");
    expect(existsSync(join(dir, "big.bin"))).toBe(false);
    // The cleanup reconnects and removes the partial staged file and its folder too.
    expect(await stagedIn(1)).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
    await pool.closeAll();
  });

  it("a cancelled upload removes its partial staged file too", async () => {
    const { executor, pool } = await relayParts(state.path, { uploadRoots: [roots.path] });
    const dir = join(host(1).root, "tmp/cancelled");
    const cancel = new AbortController();
    const running = executor.execute("run-cancelled", stepOn(1, "file.upload", { source: { from: "relay", path: join(roots.path, "big.bin") }, dstDir: "/tmp/cancelled", dirPerm: "0755" }), cancel.signal);
    await waitFor(() => existsSync(dir), 20_000, "the destination folder");
    await waitFor(async () => (await stagedBytes(1)) > 0, 20_000, "some bytes staged");
    cancel.abort();
    const { result } = await running;
    expect(result.error?.code).toBe("cancelled");
    expect(existsSync(join(dir, "big.bin"))).toBe(false);
    // The answer goes out at once; the step's own cleanup finishes right after it.
    await waitFor(async () => (await stagedIn(1)).length === 0, 20_000, "the staged temp file to be removed");
    expect(await stagedIn(1)).toEqual([]);
    await pool.closeAll();
  });

  it("URL sources: the relay downloads and uploads; a broken download never reaches the host", async () => {
    const { executor, pool } = await relayParts(state.path, { allowedUrls: [`${baseUrl}/`] });
    const good = await executor.execute("run-url", stepOn(0, "file.upload", { source: { from: "url", url: `${baseUrl}/ok/payload.txt` }, dstDir: "/tmp/url", dirPerm: "0755" }));
    expect(good.result.transfer).toEqual({ files: 1, skipped: 0, bytes: 33 });
    expect(await readFile(join(host(0).root, "tmp/url/payload.txt"), "utf8")).toBe("payload from the relay's network\n");

    const broken = await executor.execute("run-url", stepOn(0, "file.upload", { source: { from: "url", url: `${baseUrl}/broken/payload.bin` }, dstDir: "/tmp/url", dirPerm: "0755" }));
    expect(broken.result.ok).toBe(false);
    expect(broken.result.error?.message).toContain("could not download");
    expect(existsSync(join(host(0).root, "tmp/url/payload.bin"))).toBe(false);

    const missing = await executor.execute("run-url", stepOn(0, "k0s.binary.stage", { source: { from: "url", url: `${baseUrl}/nothing`, fetch: "relay" }, tmpPath: `${K0S}.stage`, version: "v1.21.2+k0s.1" }));
    expect(missing.result.error?.message).toContain("HTTP 404");
    await pool.closeAll();
  });

  it("k0s.binary.stage with fetch host runs curl on the host; a failed download leaves no staged file", async () => {
    const { executor, pool } = await relayParts(state.path);
    const ok = await executor.execute("run-curl", stepOn(0, "k0s.binary.stage", { source: { from: "url", url: `${baseUrl}/ok/payload.txt`, fetch: "host" }, tmpPath: `${K0S}.tmp.curl`, version: "v1.21.2+k0s.1" }));
    expect(ok.result).toMatchObject({ ok: true, transfer: { files: 1, skipped: 0, bytes: 33 } });
    expect(existsSync(join(host(0).root, "usr/local/bin/k0s.tmp.curl"))).toBe(true);
    const bad = await executor.execute("run-curl", stepOn(0, "k0s.binary.stage", { source: { from: "url", url: `${baseUrl}/broken/payload.bin`, fetch: "host" }, tmpPath: `${K0S}.tmp.bad`, version: "v1.21.2+k0s.1" }));
    expect(bad.result).toMatchObject({ ok: false, error: { code: "command_failed" } });
    expect(bad.result.command).toContain("curl -sSLf -o /usr/local/bin/k0s.tmp.bad");
    expect(existsSync(join(host(0).root, "usr/local/bin/k0s.tmp.bad"))).toBe(false);
    await pool.closeAll();
  });

  it("secrets that are missing or not tokens fail clearly before the host is touched", async () => {
    const { executor, journal, pool } = await relayParts(state.path);
    const paths = { installPath: K0S, dataDir: "/var/lib/k0s" };
    const install = await executor.execute("run-secrets", stepOn(0, "k0s.install", { role: "worker", ...paths, enableWorker: false, noTaints: false, single: false, kubeletExtraArgs: [], installFlags: [], environment: {}, tokenSecret: "join:none", force: false }));
    expect(install.result.error).toMatchObject({ code: "invalid_step", message: expect.stringContaining("join:none") });
    const workerWithConfig = await executor.execute("run-secrets", stepOn(0, "k0s.install", { role: "worker", ...paths, configPath: "/etc/k0s/k0s.yaml", enableWorker: false, noTaints: false, single: false, kubeletExtraArgs: [], installFlags: [], environment: {}, force: false }));
    expect(workerWithConfig.result.error?.message).toContain("controller-only");

    await journal.putSecret("run-secrets", "join:bogus", "bm90IGEgdG9rZW4=");
    const bogus = await executor.execute("run-secrets", stepOn(0, "k0s.token.invalidate", { ...paths, secret: "join:bogus" }));
    expect(bogus.result.error?.message).toContain("does not hold a k0s join token");
    await pool.closeAll();
  });

  it("k0s.wait.ready times out with the host's last answer", async () => {
    const { executor, pool } = await relayParts(state.path);
    const res = await executor.execute("run-wait", stepOn(0, "k0s.wait.ready", { installPath: K0S, dataDir: "/var/lib/k0s", for: { what: "readyz" }, timeoutMs: 2500 }));
    expect(res.result.ok).toBe(false);
    expect(res.result.error?.code).toBe("timeout");
    expect(res.result.error?.message).toContain("last answer: The connection to the server localhost:6443 was refused");
    expect(res.result.command).toBe(`${K0S} kubectl --data-dir=/var/lib/k0s get --raw=/readyz`);
    await pool.closeAll();
  });

  it("commands get stdin when asked (kube.apply pipes manifests this way)", async () => {
    const { pool } = await relayParts(state.path);
    const res = await pool.exec(targetOf(cluster, host(0)), sh`cat`, undefined, "kind: ConfigMap\n---\nkind: Secret\n");
    expect(res.stdout).toBe("kind: ConfigMap\n---\nkind: Secret\n");
    await pool.closeAll();
  });
});
