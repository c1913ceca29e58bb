import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadClusterYaml } from "../../schema/cluster-load";
import { LB_FORMATS, renderLbConfig, type LbFormat } from "../../worker/planner/lb-config";
import { host, seedHosts, spec } from "../planner/fixtures";

const run = promisify(execFile);
let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "keel-lb-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The real programs' own config checks: what an operator's `haproxy -c` / `nginx -t` would say. */
async function check(format: LbFormat, text: string): Promise<void> {
  const file = join(dir, `${format}-${Math.random().toString(36).slice(2)}.cfg`);
  await writeFile(file, text);
  if (format === "haproxy") await run("haproxy", ["-c", "-f", file]);
  else await run("nginx", ["-t", "-c", file, "-g", `pid ${join(dir, "nginx.pid")}; error_log stderr;`]);
}

function render(s: ReturnType<typeof spec>, format: LbFormat) {
  const r = renderLbConfig(s, format);
  if (!r.ok) throw new Error(r.message);
  return r.config;
}

const ha = () => spec(seedHosts(), { config: { apiVersion: "k0s.k0sproject.io/v1beta1", kind: "ClusterConfig", spec: { api: { externalAddress: "10.0.0.100", sans: ["10.0.0.100"] } } } });

describe("load balancer configs", () => {
  it.each(LB_FORMATS)("%s: the real program accepts the config for the seed's HA cluster, on 6443, 8132 and 9443 to each controller", async (format) => {
    const config = render(ha(), format);
    await check(format, config.text);
    expect(config.ports.map((p) => p.port)).toEqual([6443, 8132, 9443]);
    expect(config.controllers.map((c) => c.address)).toEqual(["10.0.0.11", "10.0.0.12", "10.0.0.13"]);
    for (const addr of ["10.0.0.11", "10.0.0.12", "10.0.0.13"]) for (const port of [6443, 8132, 9443]) expect(config.text).toContain(`${addr}:${port}`);
    expect(config.text).not.toContain("8133");
    expect(config.text).not.toContain("10.0.0.14");
    expect(config.warnings).toEqual([]);
  });

  it("follows custom API ports and konnectivity's agent port, and checks the API with /readyz", async () => {
    const s = spec([host(11, "controller"), host(12, "controller"), host(13, "controller")], { config: { spec: { api: { externalAddress: "lb.example.com", port: 7443, k0sApiPort: 9444 }, konnectivity: { agentPort: 8140 } } } });
    const config = render(s, "haproxy");
    await check("haproxy", config.text);
    expect(config.ports.map((p) => p.port)).toEqual([7443, 8140, 9444]);
    expect(config.text).toContain("option httpchk GET /readyz");
    const nginx = render(s, "nginx");
    await check("nginx", nginx.text);
    expect(nginx.text).toContain("listen 7443;");
  });

  it("warns when there is no externalAddress, when node-local load balancing is on, and when both are set", () => {
    expect(render(spec(seedHosts()), "haproxy").warnings.join("\n")).toMatch(/externalAddress is not set/);
    const nllb = spec(seedHosts(), { config: { spec: { network: { nodeLocalLoadBalancing: { enabled: true } } } } });
    expect(render(nllb, "haproxy").warnings.join("\n")).toMatch(/node-local load balancing is enabled/);
    const both = spec(seedHosts(), { config: { spec: { api: { externalAddress: "10.0.0.100" }, network: { nodeLocalLoadBalancing: { enabled: true } } } } });
    expect(render(both, "nginx").warnings.join("\n")).toMatch(/requires node-local load balancing to run without an externalAddress/);
  });

  it("renders the seed article's HA example", async () => {
    const yaml = await readFile("examples/seed-3.2-ha-offline.yaml", "utf8");
    const loaded = loadClusterYaml(yaml);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    for (const format of LB_FORMATS) await check(format, render(loaded.spec, format).text);
  });
});
