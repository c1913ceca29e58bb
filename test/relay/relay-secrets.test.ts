import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHosts, type SimCluster, type SimHost } from "../../sim/harness";
import { tempDir } from "./helpers";
import { relayParts, targetOf } from "./sim-relay";

// Own address (127.0.0.207) so this host never meets another suite's.
const FIRST_OCTET = 207;
const K0S = "/usr/local/bin/k0s";

// F8: `${relay:NAME}` is filled in by the relay from relay.yaml's secrets when
// the step runs: the value reaches the host, and never the step's result,
// the journal or the relay's log (the API only ever had the reference).
describe("relay-held secrets", () => {
  let cluster: SimCluster;
  let host: SimHost;
  let state: Awaited<ReturnType<typeof tempDir>>;
  let parts: Awaited<ReturnType<typeof relayParts>>;
  const KINE = "S3cretPassw0rd-kine";
  const PROXY = "pr0xy-p@ss";
  const REGISTRY = "registry-token-7f3a";

  beforeAll(async () => {
    state = await tempDir("keel-relay-secrets-");
    await writeFile(join(state.path, "kine-db"), `${KINE}\n`, { mode: 0o600 });
    await mkdir(join(state.path, "relay"));
    cluster = await startHosts({ count: 1, firstOctet: FIRST_OCTET, installK0s: true });
    const h = cluster.hosts[0];
    if (!h) throw new Error("no host");
    host = h;
    parts = await relayParts(join(state.path, "relay"), { secrets: { "kine-db": { file: join(state.path, "kine-db") }, proxy: { value: PROXY }, registry: { value: REGISTRY } } });
  }, 120_000);
  afterAll(async () => {
    await parts?.pool.closeAll();
    await cluster?.stop();
    await state?.remove();
  });

  const onHost = (path: string) => join(host.root, path);
  const run = (id: string, kind: string, fields: Record<string, unknown>) => parts.executor.execute("run-secrets", { id, kind, host: targetOf(cluster, host), timeoutMs: 60_000, ...fields });

  it("fills the kine dataSource, environment values and inline file data on the host", async () => {
    const config = { apiVersion: "k0s.k0sproject.io/v1beta1", kind: "ClusterConfig", metadata: { name: "k" }, spec: { storage: { type: "kine", kine: { dataSource: "mysql://keel:${relay:kine-db}@tcp(db:3306)/k0s" } } } };
    const write = await run("config", "k0s.config.write", { path: "/etc/k0s/k0s.yaml", config, validateWith: K0S });
    expect(write.result.ok).toBe(true);
    expect(await readFile(onHost("etc/k0s/k0s.yaml"), "utf8")).toContain(`mysql://keel:${KINE}@tcp(db:3306)/k0s`);

    const file = await run("file", "file.upload", { source: { from: "data", data: "token=${relay:registry}\n" }, dst: "/tmp/keel-secrets/token", perm: "0600", dirPerm: "0700" });
    expect(file.result.ok).toBe(true);
    expect(await readFile(onHost("tmp/keel-secrets/token"), "utf8")).toBe(`token=${REGISTRY}\n`);

    const install = await run("install", "k0s.install", {
      role: "worker", installPath: K0S, dataDir: "/var/lib/k0s", enableWorker: false, noTaints: false, single: false, kubeletExtraArgs: [], installFlags: [],
      environment: { HTTPS_PROXY: "http://keel:${relay:proxy}@proxy:3128" }, force: false,
    });
    expect(install.result.ok).toBe(true);
    expect(await readFile(onHost("etc/systemd/system/k0sworker.service.d/env.conf"), "utf8")).toContain(`HTTPS_PROXY=http://keel:${PROXY}@proxy:3128`);
  });

  it("fails a step naming a reference the relay does not hold, before touching the host", async () => {
    const res = await run("unknown", "file.upload", { source: { from: "data", data: "x=${relay:nope}" }, dst: "/tmp/keel-secrets/nope", dirPerm: "0700" });
    expect(res.result.error).toEqual({ code: "invalid_step", message: "${relay:nope}: this relay holds no secret nope (relay.yaml secrets:)" });
    expect(existsSync(onHost("tmp/keel-secrets/nope"))).toBe(false);
  });

  it("takes a value out of what a step reports", async () => {
    // `k0s config validate` on a config it rejects echoes the offending value.
    const bad = await run("bad-config", "k0s.config.write", { path: "/etc/k0s/k0s.yaml", config: { apiVersion: "k0s.k0sproject.io/v1beta1", kind: "ClusterConfig", spec: { storage: { type: "${relay:kine-db}" } } }, validateWith: K0S });
    expect(JSON.stringify(bad.result)).not.toContain(KINE);
  });

  it("no value reached the results, the journal or the log", async () => {
    const journal = join(state.path, "relay", "journal");
    const texts = [parts.logs.lines.join("\n")];
    for (const name of await readdir(journal)) texts.push(await readFile(join(journal, name), "utf8"));
    for (const secret of [KINE, PROXY, REGISTRY]) for (const text of texts) expect(text).not.toContain(secret);
    expect(texts.join("\n")).toContain("run-secrets");
  });
});
