import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHosts, type SimCluster, type SimHost } from "../../sim/harness";
import { tempDir } from "./helpers";
import { relayParts, targetOf } from "./sim-relay";

// Own address (127.0.0.206) so this host never meets another suite's.
const FIRST_OCTET = 206;

// F10: the spec's ssh.hostKey is the key the relay expects; a host that shows
// another one is refused, and nothing is pinned for it.
describe("ssh.hostKey", () => {
  let cluster: SimCluster;
  let host: SimHost;
  let publicKey: string;

  beforeAll(async () => {
    cluster = await startHosts({ count: 1, firstOctet: FIRST_OCTET });
    const h = cluster.hosts[0];
    if (!h) throw new Error("no host");
    host = h;
    publicKey = (await readFile(join(cluster.dir, "hosts", "1", "ssh_host_ed25519_key.pub"), "utf8")).trim();
  }, 120_000);
  afterAll(async () => cluster?.stop());

  async function connect(hostKey: string) {
    const state = await tempDir("keel-hostkey-");
    const { executor, pool, knownHosts } = await relayParts(state.path);
    try {
      const { result } = await executor.execute("run-hk", { id: "c", kind: "host.connect", host: { ...targetOf(cluster, host), hostKey } });
      return { result, pinned: knownHosts.get(host.address, host.port) };
    } finally {
      await pool.closeAll();
      await state.remove();
    }
  }

  it("connects when the host shows the key the spec names, as a fingerprint or as a public key", async () => {
    const byFingerprint = await connect(host.hostKeyFingerprint);
    expect(byFingerprint.result).toMatchObject({ ok: true, facts: { hostKeyFingerprint: host.hostKeyFingerprint } });
    const byKey = await connect(publicKey);
    expect(byKey.result).toMatchObject({ ok: true, facts: { hostKeyFingerprint: host.hostKeyFingerprint } });
  });

  it("refuses a host showing another key, without pinning it", async () => {
    const other = "SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8";
    const { result, pinned } = await connect(other);
    expect(result.ok).toBe(false);
    expect(result.error?.code).toBe("host_key_mismatch");
    expect(result.error?.message).toContain(`ssh.hostKey is ${other}`);
    expect(result.error?.message).toContain(host.hostKeyFingerprint);
    expect(pinned).toBeUndefined();
  });

  it("does not reuse a pooled connection for a step that expects another key", async () => {
    const state = await tempDir("keel-hostkey-");
    const { executor, pool } = await relayParts(state.path);
    try {
      const first = await executor.execute("run-pool", { id: "c1", kind: "host.connect", host: targetOf(cluster, host) });
      expect(first.result.ok).toBe(true);
      const second = await executor.execute("run-pool", { id: "c2", kind: "host.connect", host: { ...targetOf(cluster, host), hostKey: "SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8" } });
      expect(second.result.error?.code).toBe("host_key_mismatch");
    } finally {
      await pool.closeAll();
      await state.remove();
    }
  });
});
