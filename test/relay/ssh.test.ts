import { createServer, type Server } from "node:net";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_OUTPUT_BYTES } from "../../schema/steps";
import { sh } from "../../relay/quote";
import { AbortedError } from "../../relay/ssh-errors";
import { startHosts, type SimCluster, type SimHost } from "../../sim/harness";
import { tempDir } from "./helpers";
import { installCountingUname, relayParts, targetOf } from "./sim-relay";

// Own addresses (127.0.0.41..43) so these hosts never meet another suite's.
const FIRST_OCTET = 41;

describe("relay against real sshd hosts", () => {
  let cluster: SimCluster;
  let hosts: SimHost[];
  let state: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    state = await tempDir("keel-relay-ssh-");
    cluster = await startHosts({ count: 3, firstOctet: FIRST_OCTET, hostnames: ["Relay-Ctrl-1", "relay-worker-2", "relay-worker-3"] });
    hosts = cluster.hosts;
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
    await state?.remove();
  });

  const host = (i: number): SimHost => {
    const h = hosts[i];
    if (!h) throw new Error(`no host ${i}`);
    return h;
  };

  it("exec: exit codes and streams are data, output keeps the tail within MAX_OUTPUT_BYTES", async () => {
    const { pool } = await relayParts(state.path);
    const target = targetOf(cluster, host(0));
    const res = await pool.exec(target, sh`echo out; echo ${"it's err"} >&2; exit 3`);
    expect(res).toEqual({ exitCode: 3, stdout: "out\n", stderr: "it's err\n" });

    const big = await pool.exec(target, sh`head -c 100000 /dev/zero | tr '\\0' a; printf END; head -c 50000 /dev/zero | tr '\\0' b >&2; printf ERR >&2`);
    expect(big.exitCode).toBe(0);
    expect(Buffer.byteLength(big.stdout)).toBe(MAX_OUTPUT_BYTES);
    expect(big.stdout.endsWith("aaaEND")).toBe(true);
    expect(Buffer.byteLength(big.stderr)).toBe(MAX_OUTPUT_BYTES);
    expect(big.stderr.endsWith("bbbERR")).toBe(true);

    // Hostile text reaches the host as one literal argument.
    const hostile = "$(touch /tmp/pwned); `id` 'q' \"d\"\nline2";
    expect((await pool.exec(target, sh`printf %s ${hostile}`)).stdout).toBe(hostile);
    await pool.closeAll();
  });

  it("exec: an abort closes the channel and rejects at once", async () => {
    const { pool } = await relayParts(state.path);
    const controller = new AbortController();
    const pending = pool.exec(targetOf(cluster, host(0)), sh`sleep 30`, controller.signal);
    setTimeout(() => controller.abort(), 200);
    await expect(pending).rejects.toBeInstanceOf(AbortedError);
    await pool.closeAll();
  });

  it("host.connect, host.os and host.facts report each host's facts", async () => {
    const { executor, pool } = await relayParts(state.path);
    for (const h of hosts) {
      const target = targetOf(cluster, h);
      const connect = await executor.execute("run-facts", { id: `c-${h.index}`, kind: "host.connect", host: target });
      expect(connect.result).toMatchObject({ ok: true, facts: { hostKeyFingerprint: h.hostKeyFingerprint } });

      const os = await executor.execute("run-facts", { id: `o-${h.index}`, kind: "host.os", host: target });
      expect(os.result.ok).toBe(true);
      expect(os.result.facts?.os?.id).toBe("debian");
      expect(os.result.facts?.os?.name).toMatch(/Debian/);
      // Normalized the way k0s names its release assets, never the raw `uname -m`.
      expect(os.result.facts?.arch).toBeTruthy();
      expect(os.result.facts?.arch).not.toMatch(/^(x86_64|aarch64|armv7l)$/);

      const facts = await executor.execute("run-facts", { id: `f-${h.index}`, kind: "host.facts", host: target });
      expect(facts.result.ok).toBe(true);
      expect(facts.result.facts?.hostname).toBe(h.hostname.toLowerCase());
      expect(facts.result.facts?.privateInterface).toBeTruthy();
      expect(facts.result.facts?.privateAddress).toMatch(/^(\d{1,3}\.){3}\d{1,3}$/);
    }
    const pinned = await readFile(join(state.path, "known_hosts.json"), "utf8");
    for (const h of hosts) expect(pinned).toContain(`"${h.address}:22": "${h.hostKeyFingerprint}"`);
    await pool.closeAll();
  });

  it("host.facts uses the spec's privateInterface when given", async () => {
    const { executor, pool } = await relayParts(state.path);
    const res = await executor.execute("run-if", { id: "f", kind: "host.facts", host: targetOf(cluster, host(1)), privateInterface: "lo" });
    expect(res.result.facts?.privateInterface).toBe("lo");
    // lo has no scope-global address, so none is reported.
    expect(res.result.facts?.privateAddress).toBeUndefined();
    await pool.closeAll();
  });

  it("reuses one ssh2 client across steps, and host.disconnect closes it", async () => {
    const { executor, pool } = await relayParts(state.path);
    const target = targetOf(cluster, host(1));
    await executor.execute("run-reuse", { id: "c", kind: "host.connect", host: target });
    const first = await pool.connect(target);
    await executor.execute("run-reuse", { id: "o", kind: "host.os", host: target });
    await executor.execute("run-reuse", { id: "f", kind: "host.facts", host: target });
    expect(await pool.connect(target)).toBe(first);
    // The host sees one TCP connection: the same client port every time.
    const a = await pool.exec(target, sh`printf %s "$SSH_CONNECTION"`);
    const b = await pool.exec(target, sh`printf %s "$SSH_CONNECTION"`);
    expect(a.stdout).not.toBe("");
    expect(b.stdout).toBe(a.stdout);

    const bye = await executor.execute("run-reuse", { id: "d", kind: "host.disconnect", host: target });
    expect(bye.result.ok).toBe(true);
    expect(first.alive).toBe(false);
    expect(await pool.connect(target)).not.toBe(first);
    await pool.closeAll();
  });

  it("reconnects when the pooled connection died (host restarted)", async () => {
    const { pool } = await relayParts(state.path);
    const target = targetOf(cluster, host(2));
    const first = await pool.connect(target);
    await cluster.stopHost(2);
    await cluster.startHost(2);
    const res = await pool.exec(target, sh`echo back`);
    expect(res.stdout).toBe("back\n");
    expect(await pool.connect(target)).not.toBe(first);
    await pool.closeAll();
  });

  it("a stopped host fails with connect_failed naming the address", async () => {
    await cluster.stopHost(2);
    try {
      const { executor } = await relayParts(state.path);
      const res = await executor.execute("run-down", { id: "c", kind: "host.connect", host: targetOf(cluster, host(2)) });
      expect(res.result.ok).toBe(false);
      expect(res.result.error?.code).toBe("connect_failed");
      expect(res.result.error?.message).toContain(`${host(2).address}:22`);
      expect(res.result.exitCode).toBeNull();
    } finally {
      await cluster.startHost(2);
    }
  });

  it("bastion: reaches host 2 through host 1", async () => {
    const { executor, pool, logs } = await relayParts(state.path);
    const target = targetOf(cluster, host(1), host(0));
    const res = await executor.execute("run-bastion", { id: "f", kind: "host.facts", host: target });
    expect(res.result).toMatchObject({ ok: true, facts: { hostname: host(1).hostname } });
    const via = `${host(1).address}:22 via ${host(0).address}:22: connected`;
    expect(logs.lines.findIndex((l) => l.includes(`${host(0).address}:22: connected`))).toBeLessThan(logs.lines.findIndex((l) => l.includes(via)));
    // The target through the bastion is its own pooled client, and the bastion is pooled too.
    expect(await pool.connect(target)).not.toBe(await pool.connect(targetOf(cluster, host(1))));

    await pool.closeAll();
    await cluster.stopHost(0);
    try {
      const down = await executor.execute("run-bastion", { id: "f2", kind: "host.facts", host: target });
      expect(down.result.error?.code).toBe("connect_failed");
      expect(down.result.error?.message).toContain(`${host(0).address}:22`);
    } finally {
      await cluster.startHost(0);
    }
  });

  it("journal: the same (runId, stepId) twice runs once", async () => {
    const uname = await installCountingUname(host(0));
    try {
      const { executor, pool } = await relayParts(state.path);
      const step = { id: "os-once", kind: "host.os", host: targetOf(cluster, host(0)) };
      const first = await executor.execute("run-journal", step);
      expect(first).toMatchObject({ fromJournal: false, result: { ok: true } });
      expect(await uname.calls()).toBe(1);

      const second = await executor.execute("run-journal", step);
      expect(second.fromJournal).toBe(true);
      expect(second.result).toEqual(first.result);
      // A relay restarted on the same state folder remembers too.
      const restarted = await relayParts(state.path);
      expect((await restarted.executor.execute("run-journal", step)).fromJournal).toBe(true);
      expect(await uname.calls()).toBe(1);

      // Another run is another step.
      await executor.execute("run-journal-2", step);
      expect(await uname.calls()).toBe(2);
      await pool.closeAll();
    } finally {
      await uname.remove();
    }
  });

  it("timeout: a step that outlives timeoutMs ends with error timeout", async () => {
    const uname = await installCountingUname(host(0));
    await uname.hold(true);
    try {
      const { executor, pool } = await relayParts(state.path);
      const res = await executor.execute("run-timeout", { id: "os", kind: "host.os", host: targetOf(cluster, host(0)), timeoutMs: 1500 });
      expect(res.result.error?.code).toBe("timeout");
      expect(res.result.error?.message).toContain("1500 ms");
      await pool.closeAll();
    } finally {
      await uname.remove();
    }
  });

  it("timeout: a host that accepts TCP but never speaks SSH", async () => {
    const sockets: import("node:net").Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const address = silent.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    try {
      const { executor } = await relayParts(state.path, { connectTimeoutMs: 30_000 });
      const res = await executor.execute("run-silent", { id: "c", kind: "host.connect", timeoutMs: 500, host: { address: "127.0.0.1", port: address.port, user: "root", keyPath: cluster.keyPath } });
      expect(res.result.error?.code).toBe("timeout");
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("host keys are pinned on first use; a changed key is host_key_mismatch", async () => {
    const target = targetOf(cluster, host(2));
    const { executor, pool, knownHosts } = await relayParts(state.path);
    const before = host(2).hostKeyFingerprint;
    const ok = await executor.execute("run-pin", { id: "c1", kind: "host.connect", host: target });
    expect(ok.result.ok).toBe(true);
    expect(knownHosts.get(host(2).address, 22)).toBe(before);
    await pool.closeAll();

    await cluster.regenerateHostKey(2);
    const after = host(2).hostKeyFingerprint;
    expect(after).not.toBe(before);
    const fresh = await relayParts(state.path);
    const res = await fresh.executor.execute("run-pin", { id: "c2", kind: "host.connect", host: target });
    expect(res.result.ok).toBe(false);
    expect(res.result.error?.code).toBe("host_key_mismatch");
    expect(res.result.error?.message).toContain(`${host(2).address}:22`);
    expect(res.result.error?.message).toContain(before);
    expect(res.result.error?.message).toContain(after);
    // The pin is not silently replaced.
    expect(fresh.knownHosts.get(host(2).address, 22)).toBe(before);
  });
});
