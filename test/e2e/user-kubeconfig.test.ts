import { X509Certificate } from "node:crypto";
import { readFile, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { queryLocalD1 } from "../../scripts/local/local-api";
import { filesUnder, firstHosts, keelCli, startE2e, type E2eEnv } from "./support";

// Seed §5.2: user kubeconfigs through the real CLI, API, relay and k0s
// stand-in on a one-controller cluster (seed 2.1's first host).
const FIRST_OCTET = 136;
const NAME = "k0s-cluster";

interface Kubeconfig {
  clusters: { cluster: { server: string } }[];
  users: { user: { "client-certificate-data": string; "client-key-data": string } }[];
}

describe("keel kubeconfig create on simulated hosts", () => {
  let env: E2eEnv;
  const d1 = (sql: string) => queryLocalD1(join(env.dir, "state", "wrangler"), sql);
  const dumpD1 = async () => {
    const tables = (await d1(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'`)) as { name: string }[];
    const rows = await Promise.all(tables.map((t) => d1(`SELECT * FROM "${t.name}"`)));
    return JSON.stringify(rows);
  };
  let files = 0;
  const create = async (args: string[]) => {
    const out = join(env.dir, `${args[0] ?? "user"}-${++files}.kubeconfig`);
    const res = await keelCli(env, ["kubeconfig", "create", NAME, "--user", ...args, "-o", out]);
    return { ...res, file: out };
  };

  beforeAll(async () => {
    env = await startE2e({ count: 1, hostnames: ["k1"], firstOctet: FIRST_OCTET });
    const run = await env.apply(await env.spec("seed-2.1-basic.yaml", (y) => firstHosts(y, 1)));
    if (run.status !== "succeeded") throw new Error(`apply failed: ${run.error ?? run.status}`);
  });
  afterAll(async () => {
    await env?.stop();
  });

  it("returns a kubeconfig whose certificate is CN=user O=group, leaves no user key on the host and no copy in D1 or on the relay", async () => {
    const res = await create(["alice", "--group", "developers"]);
    expect(res.code, res.out).toBe(0);
    expect(((await stat(res.file)).mode & 0o777).toString(8)).toBe("600");
    const kubeconfig = parse(await readFile(res.file, "utf8")) as Kubeconfig;
    expect(kubeconfig.clusters[0]?.cluster.server).toBe(`https://127.0.0.${FIRST_OCTET}:6443`);
    const user = kubeconfig.users[0]?.user;
    const cert = new X509Certificate(Buffer.from(user?.["client-certificate-data"] ?? "", "base64"));
    expect(cert.subject.split("\n").sort()).toEqual(["CN=alice", "O=developers"]);
    expect(res.out).toContain(`certificate sha256 ${cert.fingerprint256}`);

    const pki = await readdir(join(env.hosts.hosts[0]?.root ?? "/nonexistent", "var/lib/k0s/pki"));
    expect(pki.filter((f) => f.startsWith("alice"))).toEqual([]);
    expect(pki).toContain("ca.crt");

    const key = user?.["client-key-data"] ?? "";
    const pem = Buffer.from(key, "base64").toString("utf8");
    const keyLine = pem.split("\n")[1] ?? "";
    expect(key.length > 100 && keyLine.length > 40).toBe(true);
    const needles = [key, keyLine, user?.["client-certificate-data"] ?? ""];
    const dump = await dumpD1();
    for (const n of needles) expect(dump.includes(n)).toBe(false);
    const relayFiles = await filesUnder(join(env.dir, "state", "relay"));
    expect(relayFiles.length).toBeGreaterThan(0);
    for (const f of relayFiles) for (const n of needles) expect(f.text.includes(n), f.path).toBe(false);
    expect(env.stack.relayLog().includes(keyLine)).toBe(false);

    const [audit] = (await d1(`SELECT action, target, outcome, details FROM audit_log WHERE action = 'cluster.kubeconfig.create' ORDER BY seq DESC LIMIT 1`)) as { details: string }[];
    expect(audit).toMatchObject({ action: "cluster.kubeconfig.create", target: "alice", outcome: "ok" });
    expect(JSON.parse(audit?.details ?? "{}")).toMatchObject({ user: "alice", group: "developers", clusterAdmin: false, fingerprint: cert.fingerprint256, expiresAt: new Date(cert.validTo).toISOString() });
  });

  it("the seed's own testUser in system:masters works with --cluster-admin, and is called what it is", async () => {
    const refused = await create(["testUser", "--group", "system:masters"]);
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/group.*clusterAdmin/s);
    await expect(stat(refused.file)).rejects.toThrow();

    const res = await create(["testUser", "--group", "system:masters", "--cluster-admin"]);
    expect(res.code, res.out).toBe(0);
    expect(res.out).toMatch(/WARNING: this is a cluster-admin credential.*only a rotation of the cluster CA revokes it/);
    const kubeconfig = parse(await readFile(res.file, "utf8")) as Kubeconfig;
    const cert = new X509Certificate(Buffer.from(kubeconfig.users[0]?.user["client-certificate-data"] ?? "", "base64"));
    expect(cert.subject.split("\n").sort()).toEqual(["CN=testUser", "O=system:masters"]);
    const [audit] = (await d1(`SELECT details FROM audit_log WHERE action = 'cluster.kubeconfig.create' ORDER BY seq DESC LIMIT 1`)) as { details: string }[];
    expect(JSON.parse(audit?.details ?? "{}")).toMatchObject({ user: "testUser", group: "system:masters", clusterAdmin: true, warning: expect.stringContaining("cluster-admin") });
  });

  it("refuses a name that would overwrite a k0s PKI file, and the file is untouched", async () => {
    const admin = join(env.hosts.hosts[0]?.root ?? "/nonexistent", "var/lib/k0s/pki/admin.crt");
    const before = await readFile(admin, "utf8");
    const res = await create(["admin", "--group", "developers"]);
    expect(res.code).toBe(1);
    expect(res.out).toMatch(/user/);
    expect(await readFile(admin, "utf8")).toBe(before);
  });
});
