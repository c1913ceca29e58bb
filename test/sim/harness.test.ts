import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHosts, writeStandin, type SimCluster, type SimHost } from "../../sim/harness";
import { sshRun } from "../../sim/ssh-client";
import { waitUntil } from "../../sim/wait";

const run = promisify(execFile);

/** Processes whose command line, or whose mount table, still mentions `dir`. */
function leftovers(dir: string): { processes: string[]; mounts: number[] } {
  const processes: string[] = [];
  const mounts: number[] = [];
  for (const name of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8").replaceAll("\0", " ");
      if (cmdline.includes(dir)) processes.push(`${name}: ${cmdline}`);
      if (readFileSync(`/proc/${name}/mountinfo`, "utf8").includes(dir)) mounts.push(Number(name));
    } catch {
      // exited while we looked
    }
  }
  return { processes, mounts };
}

/** The fingerprint the host's sshd presents, read from the wire like a client would. */
async function presentedFingerprint(host: SimHost): Promise<string> {
  const { stdout: keys } = await run("ssh-keyscan", ["-t", "ed25519", "-p", String(host.port), host.address]);
  const child = execFile("ssh-keygen", ["-l", "-E", "sha256", "-f", "-"]);
  child.stdin?.end(keys);
  const out = await new Promise<string>((resolve, reject) => {
    let text = "";
    child.stdout?.on("data", (d: Buffer) => (text += d.toString()));
    child.on("close", (code) => (code === 0 ? resolve(text) : reject(new Error(`ssh-keygen exited ${code}`))));
  });
  return out.split(/\s+/)[1] ?? "";
}

describe("simulated hosts", () => {
  let base: string;
  let cluster: SimCluster;
  const host = (i: number): SimHost => {
    const h = cluster.hosts[i];
    if (!h) throw new Error(`no host ${i}`);
    return h;
  };

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), "keel-hosts-test-"));
    // .61+ rather than the default .11+: the e2e and relay suites may be using theirs at the same time.
    cluster = await startHosts({ count: 3, dir: join(base, "sim"), hostnames: ["k0s-1", "k0s-2", "k0s-3"], firstOctet: 61, installK0s: true });
  });

  afterAll(async () => {
    await cluster?.stop();
    await rm(base, { recursive: true, force: true });
  });

  it("gives each host its own address, hostname and host key", async () => {
    expect(cluster.hosts.map((h) => `${h.address}:${h.port}`)).toEqual(["127.0.0.61:22", "127.0.0.62:22", "127.0.0.63:22"]);
    for (const h of cluster.hosts) {
      const r = await sshRun(cluster, h, "hostname");
      expect(r).toMatchObject({ code: 0, stdout: `${h.hostname}\n` });
      expect(await presentedFingerprint(h)).toBe(h.hostKeyFingerprint);
    }
    expect(new Set(cluster.hosts.map((h) => h.hostKeyFingerprint)).size).toBe(3);
  });

  it("keeps /etc/k0s per host: a file written on host 1 is in its root only", async () => {
    const r = await sshRun(cluster, host(0), "echo 'apiVersion: k0s.k0sproject.io/v1beta1' > /etc/k0s/k0s.yaml && chmod 600 /etc/k0s/k0s.yaml");
    expect(r.code, r.stderr).toBe(0);
    expect(await readFile(join(host(0).root, "etc/k0s/k0s.yaml"), "utf8")).toBe("apiVersion: k0s.k0sproject.io/v1beta1\n");
    expect(existsSync(join(host(1).root, "etc/k0s/k0s.yaml"))).toBe(false);
    expect(existsSync("/etc/k0s/k0s.yaml")).toBe(false);
    expect(await sshRun(cluster, host(1), "test -e /etc/k0s/k0s.yaml")).toMatchObject({ code: 1 });
  });

  it("runs the k0s stand-in like k0s: version, and exit 1 on an unknown flag", async () => {
    expect(await sshRun(cluster, host(0), "k0s version")).toMatchObject({ code: 0, stdout: "v1.21.2+k0s.1\n" });
    expect(await sshRun(cluster, host(0), "command -v k0s systemctl")).toMatchObject({ stdout: "/usr/local/bin/k0s\n/usr/local/bin/systemctl\n" });
    const bad = await sshRun(cluster, host(0), "k0s version --bogus");
    expect(bad).toMatchObject({ code: 1, stdout: "", stderr: "Error: unknown flag: --bogus\n" });
  });

  it("bakes the version into the stand-in file, so uploads of two versions differ", async () => {
    const file = join(host(2).root, "usr/local/bin/k0s");
    await writeStandin(file, "1.22.1+k0s.0");
    expect(await sshRun(cluster, host(2), "k0s version")).toMatchObject({ code: 0, stdout: "v1.22.1+k0s.0\n" });
    await writeStandin(file);
  });

  it("stops one host (refusing connections, ending its sessions) and starts it again with its key and files", async () => {
    const h = host(0);
    const fingerprint = h.hostKeyFingerprint;
    await rm(join(h.root, "tmp/in-session"), { force: true });
    const session = sshRun(cluster, h, "touch /tmp/in-session && sleep 300");
    await waitUntil("the ssh session to be running on host 0", () => existsSync(join(h.root, "tmp/in-session")));

    await cluster.stopHost(0);
    const ended = await session;
    expect(ended.code).toBe(255);
    const refused = await sshRun(cluster, h, "true");
    expect(refused.code).toBe(255);
    expect(refused.stderr).toMatch(/Connection refused/);
    expect(await sshRun(cluster, host(1), "hostname")).toMatchObject({ code: 0, stdout: "k0s-2\n" });

    await cluster.startHost(0);
    expect(await sshRun(cluster, h, "hostname; cat /etc/k0s/k0s.yaml")).toMatchObject({ code: 0, stdout: "k0s-1\napiVersion: k0s.k0sproject.io/v1beta1\n" });
    expect(h.hostKeyFingerprint).toBe(fingerprint);
    expect(await presentedFingerprint(h)).toBe(fingerprint);
  });

  it("regenerates a host key: the host presents a new fingerprint", async () => {
    const h = host(1);
    const before = h.hostKeyFingerprint;
    await cluster.regenerateHostKey(1);
    expect(h.hostKeyFingerprint).not.toBe(before);
    expect(await presentedFingerprint(h)).toBe(h.hostKeyFingerprint);
  });

  it("stops everything: no sshd left from the harness folder and no namespace holding its mounts", async () => {
    await cluster.stop();
    const left = leftovers(cluster.dir);
    expect(left.processes).toEqual([]);
    expect(left.mounts).toEqual([]);
    for (const h of cluster.hosts) expect((await sshRun(cluster, h, "true")).code).toBe(255);
    // and stopping twice is harmless
    await cluster.stop();
  });

  it("removes the folder it made itself when none was given", async () => {
    const own = await startHosts({ count: 1, firstOctet: 64 });
    expect(await sshRun(own, own.hosts[0] ?? host(0), "hostname")).toMatchObject({ code: 0, stdout: "keel-sim-1\n" });
    await own.stop();
    expect(existsSync(own.dir)).toBe(false);
    expect(leftovers(own.dir)).toEqual({ processes: [], mounts: [] });
    await own.stop();
  });
});
