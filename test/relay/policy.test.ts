import { connect, type Server } from "node:net";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Executor } from "../../relay/executor";
import { decodeFrame } from "../../relay/frames";
import { Journal } from "../../relay/journal";
import { KnownHosts } from "../../relay/known-hosts";
import { HostPattern, Policy } from "../../relay/policy";
import { SshPool } from "../../relay/ssh-pool";
import { droppingServer, recordingLog, tempDir, waitFor } from "./helpers";
import { decodingExecutor } from "./sim-relay";

describe("policy.allowedHosts matching", () => {
  const policy = new Policy({
    allowedHosts: ["10.0.0.0/8", "192.168.1.10", "fd00:1::/32", "2001:db8::7", "bastion.example.com", "127.0.0.11/32"],
  });

  it.each([
    ["10.0.0.1", true],
    ["10.255.255.255", true],
    ["11.0.0.1", false],
    ["9.255.255.255", false],
    ["192.168.1.10", true],
    ["192.168.1.11", false],
    ["fd00:1::1", true],
    ["FD00:1:ffff::1", true],
    ["fd00:2::1", false],
    ["2001:db8::7", true],
    ["2001:0db8:0:0:0:0:0:7", true],
    ["2001:db8::8", false],
    ["::ffff:10.1.2.3", true],
    ["bastion.example.com", true],
    ["BASTION.example.com", true],
    ["other.example.com", false],
    ["bastion.example.com.evil", false],
    ["127.0.0.11", true],
    ["127.0.0.12", false],
  ])("%s → %s", (address, allowed) => {
    expect(policy.allowsAddress(address)).toBe(allowed);
  });

  it("checks the bastion as well as the host", () => {
    const target = { address: "10.0.0.5", port: 22, user: "root", bastion: { address: "8.8.8.8", port: 22, user: "root" } };
    const decision = policy.checkTarget(target);
    expect(decision).toEqual({ allowed: false, message: expect.stringContaining("bastion 8.8.8.8") });
  });

  it.each([
    ["10.0.0.0/8", true],
    ["10.0.0.0/33", false],
    ["fd00::/129", false],
    ["fd00::/64", true],
    ["192.168.1.1", true],
    ["host-1.lan", true],
    ["not a host", false],
    ["1.2.3.4/x", false],
  ])("config entry %s valid=%s", (entry, valid) => {
    expect(HostPattern.safeParse(entry).success).toBe(valid);
  });
});

describe("a step outside policy", () => {
  let server: Server;
  let port = 0;
  let accepted = 0;
  let state: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    state = await tempDir("keel-policy-");
    ({ server, port } = await droppingServer(() => accepted++));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await state.remove();
  });

  it("is refused with policy_denied and no TCP connection", async () => {
    const { log } = recordingLog();
    const policy = new Policy({ allowedHosts: ["10.0.0.0/8"] });
    const pool = new SshPool({ knownHosts: await KnownHosts.open(state.path), connectTimeoutMs: 2000, keepaliveMs: 5000, log });
    const executor = decodingExecutor(new Executor({ pool, policy, journal: await Journal.open(state.path), log }));

    const direct = await executor.execute("run-1", { id: "c1", kind: "host.connect", host: { address: "127.0.0.1", port, user: "root" } });
    expect(direct.result.ok).toBe(false);
    expect(direct.result.error?.code).toBe("policy_denied");
    expect(direct.result.error?.message).toContain("127.0.0.1");

    const viaBastion = await executor.execute("run-1", {
      id: "c2",
      kind: "host.os",
      host: { address: "10.0.0.9", port: 22, user: "root", bastion: { address: "127.0.0.1", port, user: "root" } },
    });
    expect(viaBastion.result.error?.code).toBe("policy_denied");
    expect(viaBastion.result.error?.message).toContain("bastion 127.0.0.1");

    // A barrier instead of a pause: a connection the executor had begun would
    // be accepted before this one, which was opened after both steps answered.
    const probe = connect(port, "127.0.0.1");
    probe.on("error", () => undefined);
    await waitFor(() => accepted >= 1, 10_000, "the probe connection");
    probe.destroy();
    expect(accepted).toBe(1);
    accepted = 0; // the probe was ours; the next test counts from zero
  });

  it("answers an invalid step with invalid_step naming the field, before any executor sees it", () => {
    const frame = { type: "step.run", cluster: "c", runId: "run-1", step: { id: "x", kind: "host.connect", host: { address: "127.0.0.1; reboot", port: 22, user: "root" } } };
    const decoded = decodeFrame(Buffer.from(JSON.stringify(frame)), false);
    expect(decoded).toMatchObject({ type: "step.run.bad", runId: "run-1", stepId: "x" });
    expect(decoded.type === "step.run.bad" && decoded.problem).toContain("step.host.address");
    expect(accepted).toBe(0);
  });
});

describe("isUnderUploadRoots", () => {
  it("accepts files under a root and refuses escapes and symlinks out", async () => {
    const dir = await tempDir("keel-roots-");
    try {
      const root = join(dir.path, "uploads");
      const outside = join(dir.path, "outside");
      await mkdir(join(root, "sub"), { recursive: true });
      await mkdir(outside);
      await writeFile(join(root, "sub", "ok.txt"), "ok");
      await writeFile(join(outside, "secret.txt"), "no");
      await symlink(join(outside, "secret.txt"), join(root, "link-out"));
      await symlink(join(root, "sub", "ok.txt"), join(outside, "link-in"));
      const policy = new Policy({ allowedHosts: ["10.0.0.0/8"], uploadRoots: [root] });

      expect(await policy.isUnderUploadRoots(join(root, "sub", "ok.txt"))).toBe(true);
      expect(await policy.isUnderUploadRoots(root)).toBe(true);
      expect(await policy.isUnderUploadRoots(join(root, "..", "outside", "secret.txt"))).toBe(false);
      expect(await policy.isUnderUploadRoots(join(root, "sub", "..", "..", "outside", "secret.txt"))).toBe(false);
      expect(await policy.isUnderUploadRoots(join(root, "link-out"))).toBe(false);
      expect(await policy.isUnderUploadRoots(join(outside, "link-in"))).toBe(true);
      expect(await policy.isUnderUploadRoots(join(root, "missing.txt"))).toBe(false);
      expect(await policy.isUnderUploadRoots("relative/path")).toBe(false);
    } finally {
      await dir.remove();
    }
  });
});
