import { execFileSync } from "node:child_process";
import { execFile } from "node:child_process";
import { mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StepResult } from "../../schema/steps";
import { inUse } from "../../relay/steps/cert-read";
import { renewalProblems } from "../../relay/steps/cert-check";
import { startHosts, type SimCluster } from "../../sim/harness";
import { tempDir } from "./helpers";
import { relayParts, targetOf } from "./sim-relay";

// Own address (127.0.0.118), in the certificates range (.111–.119).
const FIRST_OCTET = 118;
const RUN = "run-certs";
const PKI = "/var/lib/k0s/pki";
const KUBELET = "/var/lib/k0s/kubelet/pki";

function openssl(args: string[]): void {
  execFileSync("openssl", args, { stdio: "pipe" });
}

describe("cert.inventory and cert.check on a simulated host", () => {
  let cluster: SimCluster;
  let state: Awaited<ReturnType<typeof tempDir>>;
  let parts: Awaited<ReturnType<typeof relayParts>>;
  let seq = 0;
  const onHost = (path: string) => join(cluster.hosts[0]?.root ?? "/nonexistent", path);
  const step = async (kind: string, fields: Record<string, unknown>): Promise<StepResult> => {
    const host = cluster.hosts[0];
    if (!host) throw new Error("no host");
    const { result } = await parts.executor.execute(RUN, { id: `${kind}-${++seq}`, kind, host: targetOf(cluster, host), timeoutMs: 30_000, dataDir: "/var/lib/k0s", ...fields });
    return result;
  };

  /** <dir>/<name>.crt (and its key, for CAs that sign), issued by `ca` or self-signed. */
  const issue = (dir: string, name: string, cn: string, days: number, ca?: string) => {
    const crt = join(dir, `${name}.crt`);
    const key = join(dir, `${name}.key`);
    // `req -x509` marks a certificate a CA unless told otherwise.
    const signer = ca ? ["-CA", join(dir, `${ca}.crt`), "-CAkey", join(dir, `${ca}.key`), "-addext", "basicConstraints=critical,CA:FALSE"] : [];
    openssl(["req", "-x509", ...signer, "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", String(days), "-subj", `/CN=${cn}`, "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key, "-out", crt]);
  };

  /**
   * Every private key the inventory could touch becomes a named pipe: opening
   * one for reading blocks until someone writes, so a step that reads a key
   * never finishes. The keys are kept beside them for issuing.
   */
  const trapKeys = async (dir: string, names: string[]) => {
    for (const name of names) {
      const key = join(dir, `${name}.key`);
      await writeFile(join(dir, `${name}.signing-key`), await readFile(key));
      await rm(key);
      execFileSync("mkfifo", [key]);
    }
  };

  beforeAll(async () => {
    state = await tempDir("keel-relay-certs-");
    cluster = await startHosts({ count: 1, firstOctet: FIRST_OCTET, hostnames: ["certs-ctrl"] });
    parts = await relayParts(state.path);
    const pki = onHost(PKI);
    await mkdir(join(pki, "etcd"), { recursive: true });
    issue(pki, "ca", "kubernetes-ca", 3650);
    issue(pki, "server", "kubernetes", 10, "ca");
    issue(pki, "etcd/ca", "etcd-ca", 3650);
    issue(pki, "etcd/peer", "127.0.0.118", 10, "etcd/ca");
    await writeFile(join(pki, "sa.pub"), "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n");
    // The kubelet's way: certificate and key in one file, a link to the one in use, the rotated one left beside it.
    const kubelet = onHost(KUBELET);
    await mkdir(kubelet, { recursive: true });
    issue(pki, "kubelet", "system:node:certs-ctrl", 300, "ca");
    const combined = (await readFile(join(pki, "kubelet.crt"), "utf8")) + (await readFile(join(pki, "kubelet.key"), "utf8"));
    await writeFile(join(kubelet, "kubelet-client-2026-12-01-10-00-00.pem"), combined, { mode: 0o600 });
    await writeFile(join(kubelet, "kubelet-client-2025-12-01-10-00-00.pem"), combined, { mode: 0o600 });
    await symlink("kubelet-client-2026-12-01-10-00-00.pem", join(kubelet, "kubelet-client-current.pem"));
    await writeFile(join(kubelet, "stray.pem"), (await readFile(join(pki, "kubelet.key"), "utf8")), { mode: 0o600 });
    await rm(join(pki, "kubelet.crt"));
    await rm(join(pki, "kubelet.key"));
    await trapKeys(pki, ["ca", "server", "etcd/ca", "etcd/peer"]);
  }, 120_000);
  afterAll(async () => {
    // Release any reader stuck on a trap, so the host can stop.
    for (const name of ["ca", "server", "etcd/ca", "etcd/peer"]) await rm(onHost(`${PKI}/${name}.key`), { force: true }).catch(() => {});
    await parts?.pool.closeAll();
    await cluster?.stop();
    await state?.remove();
  });

  it("reports every certificate of the controller PKI and the kubelet's in-use ones, and never a key", async () => {
    const res = await step("cert.inventory", { controller: true, kubelet: true });
    expect(res.ok, JSON.stringify(res.error)).toBe(true);
    const certs = res.report?.kind === "certificates" ? res.report.certificates : [];
    expect(certs.map((c) => `${c.path} ${c.isCA} ${c.subject}`)).toEqual([
      `${KUBELET}/kubelet-client-current.pem false CN=system:node:certs-ctrl`,
      `${PKI}/ca.crt true CN=kubernetes-ca`,
      `${PKI}/etcd/ca.crt true CN=etcd-ca`,
      `${PKI}/etcd/peer.crt false CN=127.0.0.118`,
      `${PKI}/server.crt false CN=kubernetes`,
    ]);
    const server = certs.find((c) => c.path.endsWith("server.crt"));
    expect(server?.issuer).toBe("CN=kubernetes-ca");
    expect(server?.sans).toEqual(["DNS:localhost", "IP Address:127.0.0.1"]);
    expect(server?.fingerprint).toMatch(/^([0-9a-f]{2}:){31}[0-9a-f]{2}$/);
    const days = ((server?.notAfter ?? 0) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(9);
    expect(days).toBeLessThanOrEqual(10);
    expect(res.stdout).toBe(`5 certificates (2 CAs) under ${PKI} and ${KUBELET}`);
    // A key-only .pem is named, its content is not.
    expect(res.stderr).toBe(`skipped ${KUBELET}/stray.pem: no PEM CERTIFICATE block`);
    expect(JSON.stringify(res)).not.toMatch(/PRIVATE KEY|BEGIN EC/);
    // And the journal keeps no key either.
    expect(await readFile(join(state.path, "journal", `${RUN}.jsonl`), "utf8").catch(() => "")).not.toContain("PRIVATE KEY");
  });

  it("reads only what the host runs: a worker's kubelet certificates, nothing of a PKI it does not have", async () => {
    const res = await step("cert.inventory", { controller: false, kubelet: true });
    expect(res.report?.kind === "certificates" && res.report.certificates.map((c) => c.path)).toEqual([`${KUBELET}/kubelet-client-current.pem`]);
    const none = await step("cert.inventory", { dataDir: "/var/lib/nothing-here", controller: true, kubelet: true });
    expect(none.ok).toBe(true);
    expect(none.report).toEqual({ kind: "certificates", certificates: [] });
  });

  it("cert.check passes once every leaf was re-issued later with the CAs kept, and names what was not", async () => {
    const first = await step("cert.inventory", { controller: true, kubelet: false });
    const before = (first.report?.kind === "certificates" ? first.report.certificates : []).map((c) => ({ path: c.path, notAfter: c.notAfter, isCA: c.isCA, fingerprint: c.fingerprint }));
    const unchanged = await step("cert.check", { controller: true, kubelet: false, before });
    expect(unchanged.ok).toBe(false);
    expect(unchanged.error?.message).toContain(`${PKI}/etcd/peer.crt was not renewed`);
    expect(unchanged.error?.message).toContain(`${PKI}/server.crt was not renewed`);

    // Re-issue the leaves as a controller start does (with the keys kept aside: the traps stay).
    const pki = onHost(PKI);
    for (const [name, cn, ca] of [["server", "kubernetes", "ca"], ["etcd/peer", "127.0.0.118", "etcd/ca"]] as const) {
      await new Promise<void>((resolve, reject) =>
        execFile("openssl", ["req", "-x509", "-CA", join(pki, `${ca}.crt`), "-CAkey", join(pki, `${ca}.signing-key`), "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "365", "-subj", `/CN=${cn}`, "-addext", "basicConstraints=critical,CA:FALSE", "-keyout", join(pki, `${name}.new-key`), "-out", join(pki, `${name}.crt`)], (err) => (err ? reject(err) : resolve())),
      );
    }
    const renewed = await step("cert.check", { controller: true, kubelet: false, before });
    expect(renewed.ok, renewed.error?.message).toBe(true);
    expect(renewed.stdout).toMatch(/^2 leaf certificates renewed, 2 CAs unchanged/);
    const renewedCerts = renewed.report?.kind === "certificates" ? renewed.report.certificates : [];
    expect(renewedCerts.find((c) => c.path.endsWith("server.crt"))?.notAfter).toBeGreaterThan(before.find((b) => b.path.endsWith("server.crt"))?.notAfter ?? Infinity);

    const otherCa = before.map((b) => (b.path.endsWith("/ca.crt") && !b.path.includes("etcd") ? { ...b, fingerprint: "00:11" } : b));
    const changed = await step("cert.check", { controller: true, kubelet: false, before: otherCa });
    expect(changed.ok).toBe(false);
    expect(changed.error?.message).toContain(`CA ${PKI}/ca.crt changed`);
  });
});

describe("the inventory's pure parts", () => {
  it("keeps only the kubelet certificate in use when rotated ones lie beside it", () => {
    const d = "/var/lib/k0s/kubelet/pki";
    expect(inUse([`${d}/kubelet-client-2025-01-01-00-00-00.pem`, `${d}/kubelet-client-current.pem`, `${d}/kubelet-server-2025-01-01-00-00-00.pem`, `${d}/kubelet.crt`])).toEqual([
      `${d}/kubelet-client-current.pem`,
      `${d}/kubelet-server-2025-01-01-00-00-00.pem`,
      `${d}/kubelet.crt`,
    ]);
  });

  it("says which leaf was not renewed, which CA changed, which file is gone", () => {
    const b = (path: string, notAfter: number, isCA = false) => ({ path, notAfter, isCA, fingerprint: `fp:${path}` });
    const a = (path: string, notAfter: number, isCA = false, fingerprint = `fp:${path}`) => ({ path, subject: "", issuer: "", sans: [], notBefore: 0, notAfter, isCA, fingerprint });
    expect(renewalProblems([b("/p/ca.crt", 9, true), b("/p/a.crt", 5), b("/p/b.crt", 5), b("/p/c.crt", 5)], [a("/p/ca.crt", 9, true, "other"), a("/p/a.crt", 6), a("/p/b.crt", 5)])).toEqual([
      "CA /p/ca.crt changed (fingerprint fp:/p/ca.crt → other)",
      `/p/b.crt was not renewed (still expires ${new Date(5).toISOString()})`,
      "/p/c.crt is gone",
    ]);
  });
});
