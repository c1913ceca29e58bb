import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Executor } from "../../relay/executor";
import { Journal } from "../../relay/journal";
import { KnownHosts } from "../../relay/known-hosts";
import { Policy } from "../../relay/policy";
import { SshPool } from "../../relay/ssh-pool";
import { recordingLog, tempDir } from "./helpers";
import { decodingExecutor } from "./sim-relay";

// F9: a keyPath must not be an oracle for the relay's file system. Port 1 on
// loopback is closed: every answer here comes from reading the key, before
// any connection.
describe("keyPath on the relay", () => {
  let state: Awaited<ReturnType<typeof tempDir>>;
  let keys: string;

  beforeAll(async () => {
    state = await tempDir("keel-keys-");
    keys = join(state.path, "keys");
    await mkdir(join(keys, "a-dir"), { recursive: true });
    await writeFile(join(keys, "not-a-key"), "hello\n");
  });
  afterAll(async () => state?.remove());

  async function connectWith(keyPath: string, policyOpts: { keyRoots?: string[] } = {}) {
    const { log, lines } = recordingLog();
    const policy = new Policy({ allowedHosts: ["127.0.0.1/32"], ...policyOpts });
    const pool = new SshPool({ knownHosts: await KnownHosts.open(state.path), connectTimeoutMs: 2000, keepaliveMs: 5000, log });
    const executor = decodingExecutor(new Executor({ pool, policy, journal: await Journal.open(state.path), log }));
    const { result } = await executor.execute("run-keys", { id: `c-${keyPath}`, kind: "host.connect", host: { address: "127.0.0.1", port: 1, user: "root", keyPath } });
    await pool.closeAll();
    return { result, lines };
  }

  it("answers a missing file, a directory and a file that is no key with one and the same error", async () => {
    const missing = await connectWith(join(keys, "missing"));
    const dir = await connectWith(join(keys, "a-dir"));
    const notKey = await connectWith(join(keys, "not-a-key"));
    for (const [r, path] of [[missing, "missing"], [dir, "a-dir"], [notKey, "not-a-key"]] as const) {
      expect(r.result.ok).toBe(false);
      expect(r.result.error?.code).toBe("connect_failed");
      expect(r.result.error?.message).toBe(`cannot connect to 127.0.0.1:1: keyPath ${join(keys, path)} is not a usable private key on the relay`);
      expect(r.result.error?.message).not.toMatch(/ENOENT|EISDIR|EACCES|parse|format/i);
    }
  });

  it("does not show where ~ is on the relay", async () => {
    const r = await connectWith("~/keel-no-such-key");
    expect(r.result.error?.code).toBe("connect_failed");
    expect(r.result.error?.message).toContain("keyPath ~/keel-no-such-key ");
    expect(r.result.error?.message).not.toContain(process.env.HOME ?? "/root");
  });

  it("with policy.keyRoots, refuses a keyPath outside them before reading anything", async () => {
    const outside = await connectWith("/etc/hostname", { keyRoots: [keys] });
    expect(outside.result.error?.code).toBe("policy_denied");
    expect(outside.result.error?.message).toBe("keyPath /etc/hostname is outside this relay's policy.keyRoots");
    const climbing = await connectWith(join(keys, "..", "..", "etc", "hostname"), { keyRoots: [keys] });
    expect(climbing.result.error?.code).toBe("policy_denied");
    const inside = await connectWith(join(keys, "not-a-key"), { keyRoots: [keys] });
    expect(inside.result.error?.code).toBe("connect_failed");
  });
});
