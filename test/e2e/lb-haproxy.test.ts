import { spawn, type ChildProcess } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { request } from "node:https";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LbConfigResponse } from "../../schema/lb-api";
import { freePort } from "../../scripts/local/free-port";
import { firstHosts, startE2e, type E2eEnv } from "./support";

// Seed §3.1: the real haproxy, configured by GET /lb-config, in front of a
// 3-controller cluster on simulated hosts whose k0s stand-ins answer /readyz
// over TLS on their API port. Only the frontends' bind addresses are changed
// here (the generated `bind :6443` would need the real port on every address).
const FIRST_OCTET = 138;
const LB_ADDRESS = "127.0.0.141";
const CONTROLLERS = ["k1", "k2", "k3"];

/** Polls `check` until it returns true; the message names what never happened. */
async function until(what: string | (() => Promise<string>), check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === "string" ? what : await what()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("haproxy from keel's lb-config in front of simulated controllers", () => {
  let env: E2eEnv;
  let haproxy: ChildProcess | undefined;
  let haproxyLog = "";
  let apiPort = 0;
  let statsPort = 0;
  let ca = "";

  /** GET /readyz through the load balancer, the chain checked against the cluster's CA. */
  const readyz = () =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      // The controllers' certificates name their own addresses, not the load balancer's: check the chain, not the name.
      const req = request({ host: LB_ADDRESS, port: apiPort, path: "/readyz", ca, checkServerIdentity: () => undefined, agent: false, timeout: 5000 }, (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.end();
    });
  /** Each kubeAPI backend server's status (UP, DOWN, …) from haproxy's stats CSV. */
  const serverStatus = async (): Promise<Record<string, string>> => {
    const csv = await (await fetch(`http://${LB_ADDRESS}:${statsPort}/;csv`)).text();
    const rows = csv.split("\n").map((l) => l.split(","));
    const header = (rows[0] ?? []).map((h) => h.replace(/^# /, ""));
    const col = (name: string) => header.indexOf(name);
    return Object.fromEntries(
      rows.filter((r) => r[col("pxname")] === "kubeAPI_backend" && !["FRONTEND", "BACKEND"].includes(r[col("svname")] ?? "")).map((r) => [r[col("svname")] ?? "", r[col("status")] ?? ""]),
    );
  };

  beforeAll(async () => {
    env = await startE2e({ count: 3, hostnames: CONTROLLERS, firstOctet: FIRST_OCTET });
    const run = await env.apply(await env.spec("seed-2.1-basic.yaml", (y) => firstHosts(y, 3)));
    if (run.status !== "succeeded") throw new Error(`apply failed: ${run.error ?? run.status}`);
    ca = await readFile(join(env.hosts.hosts[0]?.root ?? "/nonexistent", "var/lib/k0s/pki/ca.crt"), "utf8");
  });
  afterAll(async () => {
    haproxy?.kill("SIGTERM");
    await env?.stop();
  });

  it("generates a config haproxy runs with, and reaches every controller's /readyz through it", async () => {
    const res = await env.stack.admin.json("GET", "/v1/clusters/k0s-cluster/lb-config", LbConfigResponse, { query: { format: "haproxy" } });
    expect(res.controllers.map((c) => c.address)).toEqual([138, 139, 140].map((n) => `127.0.0.${n}`));
    expect(res.ports.map((p) => p.port)).toEqual([6443, 8132, 9443]);

    apiPort = await freePort();
    statsPort = await freePort();
    const ports = new Map<number, number>([[6443, apiPort], [8132, await freePort()], [9443, await freePort()]]);
    const text = res.config.replace(/^( {4}bind ):(\d+)$/gm, (_m, bind: string, port: string) => `${bind}${LB_ADDRESS}:${ports.get(Number(port)) ?? 0}`);
    expect(text).not.toMatch(/bind :/);
    // maxconn 20000 needs ~40000 file descriptors; this machine's limit is lower than a load balancer host's.
    const config = text.replace(/^( {4}maxconn )\d+$/m, (_m, key: string) => `${key}1000`);
    const file = join(env.dir, "haproxy.cfg");
    await writeFile(file, `${config}\nlisten stats\n    mode http\n    bind ${LB_ADDRESS}:${statsPort}\n    stats enable\n    stats uri /\n`);
    haproxy = spawn("haproxy", ["-db", "-f", file], { stdio: ["ignore", "pipe", "pipe"] });
    haproxy.stdout?.on("data", (d: Buffer) => (haproxyLog += d.toString()));
    haproxy.stderr?.on("data", (d: Buffer) => (haproxyLog += d.toString()));

    const names = res.controllers.map((c) => c.name);
    const probe = () =>
      new Promise<string>((resolve) => {
        const req = request({ host: res.controllers[0]?.address, port: 6443, path: "/readyz", ca, checkServerIdentity: () => undefined, agent: false, timeout: 5000 }, (r) => resolve(`direct ${r.statusCode ?? 0}`));
        req.on("error", (err) => resolve(`direct: ${err.message}`));
        req.end();
      });
    const diagnose = async () => `all three controllers UP: ${JSON.stringify(await serverStatus().catch((e: unknown) => String(e)))}; ${await probe()}; haproxy: ${haproxyLog}`;
    await until(diagnose, async () => {
      const status = await serverStatus();
      return names.every((n) => status[n] === "UP");
    });
    // Round robin: six requests visit each controller twice.
    for (let i = 0; i < 6; i++) expect(await readyz()).toEqual({ status: 200, body: "ok" });
  });

  it("routes around a stopped controller once its health check fails", async () => {
    expect((await env.ssh(0, "systemctl stop k0scontroller")).code).toBe(0);
    const [stopped, ...running] = (await env.stack.admin.json("GET", "/v1/clusters/k0s-cluster/lb-config", LbConfigResponse)).controllers.map((c) => c.name);
    await until("haproxy to mark the stopped controller DOWN", async () => {
      const status = await serverStatus();
      return status[stopped ?? ""]?.startsWith("DOWN") === true && running.every((n) => status[n] === "UP");
    });
    for (let i = 0; i < 6; i++) expect(await readyz()).toEqual({ status: 200, body: "ok" });

    // Back again: the health check brings it back into rotation.
    expect((await env.ssh(0, "systemctl start k0scontroller")).code).toBe(0);
    await until("haproxy to mark the restarted controller UP", async () => (await serverStatus())[stopped ?? ""] === "UP");
  });
});
