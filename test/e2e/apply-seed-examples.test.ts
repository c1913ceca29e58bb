import { spawn } from "node:child_process";
import { readFile, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { queryLocalD1, REPO_ROOT } from "../../scripts/local/local-api";
import { ClusterWriteResponse, RunEventsResponse, RunStateResponse, StartedRun } from "../../cli/responses";
import { waitUntil } from "../../sim/wait";
import { nodesOf, shiftAddresses, startE2e, type E2eEnv } from "./support";

const mode = async (path: string) => ((await stat(path)).mode & 0o777).toString(8);

// The seed article's other cluster files, each applied to fresh simulated hosts
// and checked on the hosts themselves.
describe("apply: the seed article's examples", () => {
  let env: E2eEnv | undefined;
  afterEach(async () => {
    await env?.stop();
    env = undefined;
  });
  const root = (i: number, path: string) => join(env?.hosts.hosts[i]?.root ?? "/nonexistent", path);

  it("3.2: HA behind an external address, offline: uploaded binary, image bundle, flannel, CNI plugins by glob", async () => {
    env = await startE2e({ count: 5, hostnames: ["k1", "k2", "k3", "k4", "k5"], firstOctet: 161 });
    const spec = await env.spec("seed-3.2-ha-offline.yaml");
    const run = await env.apply(spec);
    expect(run.status, run.error ?? "").toBe("succeeded");
    expect(env.download.requests).toEqual([]); // offline: nothing downloaded by the hosts

    for (let i = 0; i < 5; i++) {
      expect((await env.ssh(i, "k0s version")).stdout.trim()).toBe("v1.21.2+k0s.1");
      expect(await mode(root(i, "var/lib/k0s/images/bundle_file"))).toBe("755");
      const plugins = (await readdir(root(i, "opt/cni/bin"))).sort();
      expect(plugins).toEqual(["bridge", "flannel", "host-local", "loopback", "portmap"]);
      for (const p of plugins) expect(await mode(root(i, `opt/cni/bin/${p}`))).toBe("755");
    }
    // flannel's manifest goes to the first controller only, as in the article.
    expect(await mode(root(0, "var/lib/k0s/manifests/flannel/kube-flannel.yaml"))).toBe("644");
    await expect(stat(root(1, "var/lib/k0s/manifests/flannel/kube-flannel.yaml"))).rejects.toThrow();

    for (let i = 0; i < 3; i++) {
      const cfg = await readFile(root(i, "etc/k0s/k0s.yaml"), "utf8");
      expect(cfg).toContain(`externalAddress: ${env?.ip(20) ?? ""}`);
      expect(cfg).toMatch(/provider: custom/);
      expect(cfg).toMatch(/mode: ipvs/);
      expect(cfg).toMatch(/enabled: false/); // telemetry off
      expect(cfg).toMatch(/default_pull_policy: IfNotPresent/);
    }
    const nodes = await nodesOf(env);
    expect(nodes.map((n) => n.name)).toEqual(["k1", "k2", "k3", "k4", "k5"]);
    expect(nodes.every((n) => n.ready)).toBe(true);

    // A second apply of the same spec moves no bytes at all.
    const again = await env.apply(spec);
    expect(again.status, again.error ?? "").toBe("succeeded");
    const moved = await queryLocalD1(
      join(env.dir, "state", "wrangler"),
      `SELECT COUNT(*) AS n FROM run_steps WHERE run_id = '${again.id}' AND kind IN ('k0s.binary.stage','k0s.install') AND status = 'succeeded'`,
    );
    expect(moved).toEqual([{ n: 0 }]);
    // Uploads are checked again (only the relay can see a changed source) but every file is skipped.
    // The spec's files only (a first apply also overwrites each joiner's used token file).
    const uploads = (r: { events: { message: string }[] }) => r.events.map((e) => e.message).filter((m) => m.includes(": uploading ") && !m.includes("uploading k0stoken"));
    expect(uploads(run).some((m) => !m.includes(" 0 B;"))).toBe(true);
    expect(uploads(again).length).toBe(uploads(run).length);
    for (const m of uploads(again)) expect(m).toMatch(/, 0 B; \d+ skipped\)$/);
  });

  it("2.4: custom CNI on a single controller+worker, applied with the keel CLI", async () => {
    env = await startE2e({ count: 1, hostnames: ["k1"], firstOctet: 161 });
    const e = env;
    // The example as a user has it, moved to this file's host range.
    const example = join(e.dir, "seed-2.4-flannel-cni.yaml");
    await writeFile(example, shiftAddresses(await readFile(join(REPO_ROOT, "examples", "local", "seed-2.4-flannel-cni.yaml"), "utf8"), 161));
    const cli = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [join(REPO_ROOT, "bin", "keel.js"), "apply", "-c", example, "--site", e.stack.site], {
        env: { ...process.env, KEEL_API_URL: e.stack.api.url, KEEL_TOKEN: e.stack.api.adminToken, KEEL_SIM_DIR: e.simDir, KEEL_K0S_URL: e.download.url },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (out += d.toString()));
      child.on("exit", (code) => resolve({ code, out }));
    });
    expect(cli.code, cli.out).toBe(0);
    expect(cli.out).toContain("INFO ==> Running phase: Initialize the k0s cluster");
    expect(cli.out).toContain(`INFO [ssh] ${e.ip(11)}:22: installing k0s controller (with worker)`);
    expect(cli.out).not.toContain(e.stack.api.adminToken);
    const cfg = await readFile(root(0, "etc/k0s/k0s.yaml"), "utf8");
    expect(cfg).toMatch(/provider: custom/);
    expect(cfg).toContain("podCIDR: 10.244.0.0/16");
    expect(await mode(root(0, "var/lib/k0s/manifests/flannel/kube-flannel.yaml"))).toBe("644");
    expect((await readdir(root(0, "opt/cni/bin"))).length).toBe(5);
    expect((await nodesOf(env)).map((n) => [n.name, n.ready])).toEqual([["k1", true]]);
  });

  it("5.1: kine (SQLite) storage on a single controller", async () => {
    env = await startE2e({ count: 1, hostnames: ["k1"], firstOctet: 161 });
    const run = await env.apply(await env.spec("seed-5.1-kine.yaml"));
    expect(run.status, run.error ?? "").toBe("succeeded");
    const cfg = await readFile(root(0, "etc/k0s/k0s.yaml"), "utf8");
    expect(cfg).toMatch(/type: kine/);
    expect(cfg).toContain("sqlite:///var/lib/k0s/db/state.db");
    const status = JSON.parse((await env.ssh(0, "k0s status -o json")).stdout) as { Role: string };
    expect(status.Role).toMatch(/controller/);
    expect((await nodesOf(env)).every((n) => n.ready)).toBe(true);
  });

  it("a host whose sshd dies mid-apply fails the run cleanly, naming it", async () => {
    env = await startE2e({ count: 3, hostnames: ["k1", "k2", "k3"], firstOctet: 161 });
    const spec = await env.spec(
      [
        "apiVersion: k0sctl.k0sproject.io/v1beta1",
        "kind: Cluster",
        "metadata: {name: dies}",
        "spec:",
        "  hosts:",
        ...[11, 12, 13].map((n, i) =>
          [
            `  - ssh: {address: 127.0.0.${n}, keyPath: "\${KEEL_SIM_DIR}/id_ed25519"}`,
            `    role: ${i === 0 ? "controller" : "worker"}`,
            `    k0sDownloadURL: "\${KEEL_K0S_URL}/k0s-%v-%p"`,
          ].join("\n"),
        ),
        "  k0s: {version: 1.21.2+k0s.1}",
        "",
      ].join("\n"),
    );
    const e = env;
    await e.stack.admin.json("POST", "/v1/clusters", ClusterWriteResponse, { body: { site: e.stack.site, spec } });
    const started = await e.stack.admin.json("POST", "/v1/clusters/dies/apply", StartedRun);
    // Pull the plug on the last worker as soon as the controller is being installed.
    let after = 0;
    await waitUntil("the run's event \"Initialize the k0s cluster\"", async () => {
      const page = await e.stack.admin.json("GET", `/v1/runs/${started.run.id}/events`, RunEventsResponse, { query: { after } });
      for (const ev of page.events) after = Math.max(after, ev.id);
      return page.events.some((ev) => ev.message.includes("Initialize the k0s cluster"));
    }, 120_000, 100);
    await e.hosts.stopHost(2);
    const run = await waitUntil("the run to end", async () => {
      const view = (await e.stack.admin.json("GET", `/v1/runs/${started.run.id}`, RunStateResponse)).run;
      return ["succeeded", "failed", "cancelled"].includes(view.status) && view;
    }, 150_000, 250);
    expect(run.status).toBe("failed");
    expect(run.error).toContain(`${e.ip(13)}:22`);
    // The controller and the other worker were fine and are left alone.
    expect((await e.ssh(0, "systemctl is-active k0scontroller")).stdout.trim()).toBe("active");
    const [active] = await queryLocalD1(join(e.dir, "state", "wrangler"), `SELECT COUNT(*) AS n FROM runs WHERE cluster = 'dies' AND status IN ('queued','running','waiting_for_relay')`);
    expect(active).toEqual({ n: 0 });
  });
});
