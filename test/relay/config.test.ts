import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { journalLimits, loadRelayConfig, resolveRelayConfig } from "../../relay/config";
import { connectUrl } from "../../relay/connection";
import { tempDir } from "./helpers";

const SAMPLE = `
api:
  url: https://keel.example.com
  tokenFile: ./relay.token
site: dc1
stateDir: ./state
policy:
  allowedHosts: [10.0.0.0/8, "fd00::/8", jump.lan]
  uploadRoots: [./uploads]
ssh:
  connectTimeoutMs: 5000
heartbeatMs: 20000
`;

describe("relay config", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir("keel-config-");
    await writeFile(join(dir.path, "relay.yaml"), SAMPLE);
    await writeFile(join(dir.path, "relay.token"), "relay-token-from-file\n");
  });
  afterAll(() => dir.remove());

  it("loads a file: defaults, token file, paths relative to the file", async () => {
    const cfg = await loadRelayConfig(join(dir.path, "relay.yaml"), {});
    expect(cfg.api).toEqual({ url: "https://keel.example.com", token: "relay-token-from-file" });
    expect(cfg.stateDir).toBe(join(dir.path, "state"));
    expect(cfg.policy).toEqual({ allowedHosts: ["10.0.0.0/8", "fd00::/8", "jump.lan"], uploadRoots: [join(dir.path, "uploads")], allowHooks: false, k0sInstallPaths: ["/usr/local/bin/k0s"], allowUploadsTo: [], allowedUrls: [], allowEnvironment: [] });
    expect(cfg.ssh).toEqual({ connectTimeoutMs: 5000, keepaliveMs: 15000 });
    expect(cfg.heartbeatMs).toBe(20000);
    expect(journalLimits(cfg)).toEqual({ maxAgeMs: 168 * 3600_000, maxBytes: 256 * 1024 * 1024, secretsMaxAgeMs: 24 * 3600_000 });
  });

  it("lets KEEL_RELAY_TOKEN override the token", async () => {
    const cfg = await loadRelayConfig(join(dir.path, "relay.yaml"), { KEEL_RELAY_TOKEN: "from-the-environment" });
    expect(cfg.api.token).toBe("from-the-environment");
  });

  it.each([
    [{ api: { url: "ftp://x", token: "0123456789" } }, "api.url"],
    [{ policy: { allowedHosts: ["10.0.0.0/99"] } }, "policy.allowedHosts[0]"],
    [{ policy: { allowedHosts: [] } }, "policy.allowedHosts"],
    [{ ssh: { connectTimeoutMs: "soon" } }, "ssh.connectTimeoutMs"],
    [{ site: "" }, "site"],
    [{ policy: { allowedHosts: ["10.0.0.0/8"], allowHooks: "yes" } }, "policy.allowHooks"],
    [{ journal: { maxAgeHours: 1 } }, "journal.maxAgeHours"],
    [{ journal: { maxMiB: 0 } }, "journal.maxMiB"],
  ])("names the bad field (%j)", async (override, field) => {
    const base = { api: { url: "http://127.0.0.1:8787", token: "0123456789" }, site: "dc1", stateDir: "/tmp/x", policy: { allowedHosts: ["10.0.0.0/8"] } };
    await expect(resolveRelayConfig({ ...base, ...override }, { env: {} })).rejects.toThrow(new RegExp(`${field.replace(/[[\]]/g, "\\$&")}:`));
  });

  it("requires a token from somewhere", async () => {
    const cfg = { api: { url: "http://127.0.0.1:8787" }, site: "dc1", stateDir: "/tmp/x", policy: { allowedHosts: ["10.0.0.0/8"] } };
    await expect(resolveRelayConfig(cfg, { env: {} })).rejects.toThrow(/api\.token: required/);
  });

  it("derives the WebSocket URL", () => {
    expect(connectUrl("https://keel.example.com")).toBe("wss://keel.example.com/v1/relays/connect");
    expect(connectUrl("http://127.0.0.1:8787/")).toBe("ws://127.0.0.1:8787/v1/relays/connect");
    expect(connectUrl("wss://h/base")).toBe("wss://h/base/v1/relays/connect");
  });
});
