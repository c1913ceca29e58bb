import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { sshRun } from "../../sim/ssh-client";

const run = promisify(execFile);
const CLI = join(import.meta.dirname, "../../sim/sim-hosts.ts");

function cli(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ["--import", "tsx", CLI, ...args], { cwd: join(import.meta.dirname, "../..") });
}

// Addresses .71+ keep clear of the other suites.
describe("sim-hosts CLI", () => {
  let base: string | undefined;

  afterAll(async () => {
    if (!base) return;
    await cli("stop", "--dir", join(base, "sim")).catch(() => undefined);
    await rm(base, { recursive: true, force: true });
  });

  it("starts hosts that outlive the command, reports them, and stops them from the folder", async () => {
    base = await mkdtemp(join(tmpdir(), "keel-cli-test-"));
    const dir = join(base, "sim");
    const started = await cli("start", "--count", "2", "--dir", dir, "--first-octet", "71", "--hostnames", "a1,a2", "--install-k0s");
    expect(started.stdout).toMatch(/^127\.0\.0\.71:22 {2}a1 {2}SHA256:/m);

    const keyPath = join(dir, "id_ed25519");
    expect(await sshRun({ keyPath }, { address: "127.0.0.72", port: 22 }, "hostname && k0s version")).toMatchObject({ code: 0, stdout: "a2\nv1.21.2+k0s.1\n" });
    expect((await cli("status", "--dir", dir)).stdout).toMatch(/^127\.0\.0\.72 {2}a2 {2}running/m);

    await cli("stop", "--dir", dir);
    expect((await cli("status", "--dir", dir)).stdout).toMatch(/^127\.0\.0\.71 {2}a1 {2}stopped/m);
    expect((await sshRun({ keyPath }, { address: "127.0.0.71", port: 22 }, "true")).code).toBe(255);
  });
});
