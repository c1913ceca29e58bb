import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHosts, type SimCluster, type SimHost } from "./harness";
import { sshRun, type SshResult } from "./ssh-client";

// The k0s and systemctl stand-ins, driven over real SSH the way the relay
// drives k0s. Addresses .66+ keep clear of the other suites.
describe("k0s stand-in", () => {
  let base: string;
  let cluster: SimCluster;
  const host = (i: number): SimHost => cluster.hosts[i] ?? (() => { throw new Error(`no host ${i}`); })();
  const on = (i: number, command: string): Promise<SshResult> => sshRun(cluster, host(i), command);
  const ok = async (i: number, command: string): Promise<string> => {
    const r = await on(i, command);
    expect(r.code, `${command}\n${r.stderr}`).toBe(0);
    return r.stdout;
  };
  /** Poll like the relay does: until `command` succeeds on host i. */
  const waitFor = async (i: number, command: string, timeoutMs = 15_000): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await on(i, command);
      if (r.code === 0) return r.stdout;
      if (Date.now() > deadline) throw new Error(`${command} still fails: ${r.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), "keel-standin-test-"));
    cluster = await startHosts({ count: 3, dir: join(base, "sim"), hostnames: ["c1", "w1", "w2"], firstOctet: 66, installK0s: true });
    await ok(0, "printf 'apiVersion: k0s.k0sproject.io/v1beta1\\nkind: ClusterConfig\\n' > /etc/k0s/k0s.yaml");
  });

  afterAll(async () => {
    await cluster?.stop();
    await rm(base, { recursive: true, force: true });
  });

  it("fails `k0s status` with the dial error while k0s is not running", async () => {
    expect(await on(0, "k0s status -o json")).toMatchObject({
      code: 1,
      stdout: "",
      stderr: 'Error: Get "http://localhost/status": dial unix /run/k0s/status.sock: connect: no such file or directory\n',
    });
  });

  it("keeps k0s's per-command flags: the pitfalls are errors", async () => {
    expect(await on(0, "k0s status --data-dir=/var/lib/k0s")).toMatchObject({ code: 1, stderr: "Error: unknown flag: --data-dir\n" });
    expect(await on(0, "k0s token create --role=worker --config=/etc/k0s/k0s.yaml")).toMatchObject({ code: 1, stderr: "Error: unknown flag: --config\n" });
    expect(await on(1, "k0s install worker --config=/etc/k0s/k0s.yaml")).toMatchObject({ code: 1, stderr: "Error: unknown flag: --config\n" });
    expect(await on(0, "k0s token create --expiry=30 --role=worker")).toMatchObject({ code: 1, stderr: 'Error: invalid argument "30" for "--expiry" flag: time: invalid duration "30"\n' });
    expect(await on(0, "k0s bogus")).toMatchObject({ code: 1, stderr: "Error: unknown command \"bogus\" for \"k0s\"\nRun 'k0s --help' for usage.\n" });
    expect(await on(0, "k0s config validate --config /etc/k0s/k0s.yaml")).toMatchObject({ code: 0 });
    expect((await on(0, "k0s config validate --config /etc/k0s/nope.yaml")).code).toBe(1);
  });

  it("installs a controller as a unit file and runs it with systemctl until /readyz says ok", async () => {
    await ok(0, "k0s install controller --data-dir=/var/lib/k0s --config=/etc/k0s/k0s.yaml --enable-worker=true --kubelet-extra-args=--hostname-override=c1");
    const unit = await readFile(join(host(0).root, "etc/systemd/system/k0scontroller.service"), "utf8");
    expect(unit).toContain("ExecStart=/usr/local/bin/k0s controller --config=/etc/k0s/k0s.yaml --data-dir=/var/lib/k0s --enable-worker=true --kubelet-extra-args=--hostname-override=c1\n");
    expect(await on(0, "k0s install controller --config=/etc/k0s/k0s.yaml")).toMatchObject({ code: 1, stderr: expect.stringMatching(/Init already exists/) });

    await ok(0, "systemctl start k0scontroller");
    expect(await waitFor(0, "k0s kubectl get --raw=/readyz")).toBe("ok\n");
    const status = JSON.parse(await ok(0, "k0s status -o json")) as { Version: string; Role: string; Workloads: boolean };
    expect(status).toMatchObject({ Version: "v1.21.2+k0s.1", Role: "controller+worker", Workloads: true });
    expect(await ok(0, "systemctl is-active k0scontroller")).toBe("active\n");
  });

  it("joins a worker with a token from the controller; an invalid token never starts", async () => {
    const token = (await ok(0, "k0s token create --role=worker --expiry=10m0s")).trim();
    await ok(1, `umask 077 && printf %s '${token}' > /etc/k0s/k0stoken && k0s install worker --token-file=/etc/k0s/k0stoken && systemctl start k0sworker`);
    await waitFor(0, "k0s kubectl get node w1 -o json | grep -q '\"status\": \"True\"'");

    const id = (await ok(0, "k0s token list --role=worker")).split("\n")[1]?.split("\t")[0] ?? "";
    await ok(0, `k0s token invalidate ${id}`);
    await ok(2, `printf %s '${token}' > /etc/k0s/k0stoken && k0s install worker --token-file=/etc/k0s/k0stoken && systemctl start k0sworker`);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await on(2, "systemctl is-active k0sworker")).toMatchObject({ code: 3, stdout: "inactive\n" });
    expect(await on(0, "k0s kubectl get node w2")).toMatchObject({ code: 1, stderr: 'Error from server (NotFound): nodes "w2" not found\n' });
  });

  it("re-issues 1-year leaf certificates at each controller start and keeps the 10-year CA", async () => {
    const dates = "cd /var/lib/k0s/pki && openssl x509 -noout -serial -enddate -in server.crt && openssl x509 -noout -serial -enddate -in ca.crt";
    const before = (await ok(0, dates)).split("\n");
    await ok(0, "systemctl restart k0scontroller");
    await waitFor(0, "k0s kubectl get --raw=/readyz");
    const after = (await ok(0, dates)).split("\n");
    expect(after[0]).not.toBe(before[0]);
    expect(after.slice(2)).toEqual(before.slice(2));
    const year = new Date().getUTCFullYear();
    expect(after[1]).toContain(String(year + 1));
    expect(after[3]).toContain(String(year + 10));
  });

  it("turns a powered-off worker's node NotReady, and starts enabled k0s again when the host comes back", async () => {
    await cluster.stopHost(1);
    await waitFor(0, "k0s kubectl get nodes --no-headers | grep -q '^w1 *NotReady'");
    await cluster.startHost(1);
    expect(await waitFor(1, "k0s status")).toMatch(/Role: worker/);
    await waitFor(0, "k0s kubectl get nodes --no-headers | grep -q '^w1 *Ready'");
  });

  it("refuses to reset a running k0s, and resets it once stopped", async () => {
    expect(await on(1, "k0s reset")).toMatchObject({ code: 1, stderr: "Error: k0s seems to be running! please stop k0s before reset.\n" });
    await ok(1, "k0s stop && k0s reset");
    expect(existsSync(join(host(1).root, "etc/systemd/system/k0sworker.service"))).toBe(false);
    expect((await on(1, "ls -A /var/lib/k0s")).stdout).toBe("");
    expect((await on(1, "k0s status")).code).toBe(1);
  });
});
