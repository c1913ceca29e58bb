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

  it("reads secrets (files relative to the config), URL prefixes and the F6 exceptions, refusing bad ones by field", async () => {
    const base = { api: { url: "https://k.example", token: "relay-token" }, site: "dc1", stateDir: "/s" };
    const cfg = await resolveRelayConfig(
      { ...base, policy: { allowedHosts: ["10.0.0.0/8"], allowedUrls: ["https://files.example/k0s/"], allowUploadsTo: ["/etc/systemd/system/containerd.service.d"], allowEnvironment: ["LD_LIBRARY_PATH"] }, secrets: { "kine-db": { file: "secrets/kine" }, proxy: { value: "p" } } },
      { baseDir: "/etc/keel" },
    );
    expect(cfg.secrets).toEqual({ "kine-db": { file: "/etc/keel/secrets/kine" }, proxy: { value: "p" } });
    expect(cfg.policy).toMatchObject({ allowedUrls: ["https://files.example/k0s/"], allowUploadsTo: ["/etc/systemd/system/containerd.service.d"], allowEnvironment: ["LD_LIBRARY_PATH"] });
    await expect(resolveRelayConfig({ ...base, policy: { allowedHosts: ["10.0.0.0/8"], allowedUrls: ["https://files.example"] } })).rejects.toThrow(/policy\.allowedUrls\[0\]: must be an http\(s\) URL prefix/);
    await expect(resolveRelayConfig({ ...base, policy: { allowedHosts: ["10.0.0.0/8"] }, secrets: { "bad name": { value: "x" } } })).rejects.toThrow(/secrets/);
    await expect(resolveRelayConfig({ ...base, policy: { allowedHosts: ["10.0.0.0/8"] }, secrets: { db: { value: "x", file: "/y" } } })).rejects.toThrow(/secrets\.db/);
    await expect(resolveRelayConfig({ ...base, policy: { allowedHosts: ["10.0.0.0/8"], allowUploadsTo: ["etc/cron.d"] } })).rejects.toThrow(/allowUploadsTo\[0\]: must be an absolute host path/);
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
