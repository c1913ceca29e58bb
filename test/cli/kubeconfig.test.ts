import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sendError, sendJson, startStubApi, TOKEN, type StubApi } from "./keel-api-stub";
import { keel } from "./keel-process";

const TMP = mkdtempSync(join(tmpdir(), "keel-cli-kubeconfig-"));
const stubs: StubApi[] = [];
afterAll(async () => {
  await Promise.all(stubs.map((s) => s.close()));
  rmSync(TMP, { recursive: true, force: true });
});

const KUBECONFIG = "apiVersion: v1\nkind: Config\nclusters:\n- name: lab\n  cluster: {server: 'https://10.0.0.1:6443'}\nusers:\n- name: admin\n  user: {client-key-data: c2VjcmV0}\n";

async function kubeconfigApi(): Promise<StubApi> {
  const api = await startStubApi({
    "GET /v1/clusters/lab/kubeconfig": (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/yaml" });
      res.end(KUBECONFIG);
    },
    "GET /v1/clusters/json/kubeconfig": (_req, res) => sendJson(res, 200, { kubeconfig: KUBECONFIG }),
    "GET /v1/clusters/locked/kubeconfig": (_req, res) => sendError(res, 403, "forbidden", "needs the admin role"),
  });
  stubs.push(api);
  return api;
}

describe.concurrent("keel kubeconfig", { timeout: 120_000 }, () => {
  it("prints the admin kubeconfig to stdout", async () => {
    const api = await kubeconfigApi();
    const run = await keel(["kubeconfig", "lab"], { env: { KEEL_API_URL: api.url, KEEL_TOKEN: TOKEN } });
    expect(run).toEqual({ code: 0, stdout: KUBECONFIG, stderr: "" });
    expect(api.calls()).toEqual(["GET /v1/clusters/lab/kubeconfig"]);
  });

  it("writes FILE with mode 0600, also over a file that was world-readable", async () => {
    const api = await kubeconfigApi();
    const out = join(TMP, "lab.kubeconfig");
    writeFileSync(out, "old", { mode: 0o644 });
    const run = await keel(["kubeconfig", "json", "-o", out, "--api", api.url, "--token", TOKEN]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(`kubeconfig for json written to ${out}\n`);
    expect(readFileSync(out, "utf8")).toBe(KUBECONFIG);
    expect(statSync(out).mode & 0o777).toBe(0o600);

    const fresh = join(TMP, "fresh.kubeconfig");
    expect((await keel(["kubeconfig", "lab", "--output", fresh], { env: { KEEL_API_URL: api.url, KEEL_TOKEN: TOKEN } })).code).toBe(0);
    expect(statSync(fresh).mode & 0o777).toBe(0o600);
  });

  it("prints the API's refusal and writes nothing", async () => {
    const api = await kubeconfigApi();
    const out = join(TMP, "locked.kubeconfig");
    const run = await keel(["kubeconfig", "locked", "-o", out], { env: { KEEL_API_URL: api.url, KEEL_TOKEN: TOKEN } });
    expect(run).toEqual({ code: 1, stdout: "", stderr: "error: needs the admin role\n" });
    expect(() => statSync(out)).toThrow();
  });

  it("exits 2 without exactly one valid cluster name", async () => {
    const env = { KEEL_API_URL: "http://127.0.0.1:9", KEEL_TOKEN: TOKEN };
    expect((await keel(["kubeconfig"], { env })).code).toBe(2);
    expect((await keel(["kubeconfig", "a", "b"], { env })).code).toBe(2);
    expect((await keel(["kubeconfig", "../etc"], { env })).code).toBe(2);
  });
});

describe.concurrent("keel kubeconfig create", { timeout: 120_000 }, () => {
  const created = (body: { user: string; group: string; clusterAdmin?: boolean }) => ({
    kubeconfig: KUBECONFIG, user: body.user, group: body.group, clusterAdmin: body.clusterAdmin === true, fingerprint: "AB:CD", expiresAt: "2027-12-01T00:00:00.000Z",
    ...(body.clusterAdmin ? { warning: "this is a cluster-admin credential (group system:masters bypasses RBAC): only a rotation of the cluster CA revokes it" } : {}),
  });
  const createApi = async () => {
    const api = await startStubApi({
      "POST /v1/clusters/lab/kubeconfigs": (req, res) => {
        const body = req.body as { user: string; group: string; clusterAdmin?: boolean };
        if (body.group.startsWith("system:") && !body.clusterAdmin) return sendError(res, 400, "validation_failed", "invalid body: group");
        sendJson(res, 201, created(body));
      },
    });
    stubs.push(api);
    return { api, env: { KEEL_API_URL: api.url, KEEL_TOKEN: TOKEN } };
  };

  it("posts user and group, writes FILE 0600 and says what it wrote", async () => {
    const { api, env } = await createApi();
    const out = join(TMP, "alice.kubeconfig");
    const run = await keel(["kubeconfig", "create", "lab", "--user", "alice", "--group", "dev", "-o", out], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(api.requests[0]?.body).toEqual({ user: "alice", group: "dev" });
    expect(readFileSync(out, "utf8")).toBe(KUBECONFIG);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(run.stderr).toContain("kubeconfig for user alice (group dev) on lab written to");
    expect(run.stderr).toContain("sha256 AB:CD, expires 2027-12-01");
    expect(run.stderr).not.toContain("WARNING");
  });

  it("sends clusterAdmin only with --cluster-admin, and then warns plainly", async () => {
    const { api, env } = await createApi();
    const refused = await keel(["kubeconfig", "create", "lab", "--user", "testUser", "--group", "system:masters"], { env });
    expect(refused.code).toBe(1);
    expect(api.requests[0]?.body).toEqual({ user: "testUser", group: "system:masters" });
    const run = await keel(["kubeconfig", "create", "lab", "--user", "testUser", "--group", "system:masters", "--cluster-admin"], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(api.requests[1]?.body).toEqual({ user: "testUser", group: "system:masters", clusterAdmin: true });
    expect(run.stdout).toBe(KUBECONFIG);
    expect(run.stderr).toMatch(/WARNING: this is a cluster-admin credential.*only a rotation of the cluster CA revokes it/);
  });

  it("exits 2 without --user and --group or a valid cluster", async () => {
    const env = { KEEL_API_URL: "http://127.0.0.1:9", KEEL_TOKEN: TOKEN };
    expect((await keel(["kubeconfig", "create", "lab", "--user", "alice"], { env })).code).toBe(2);
    expect((await keel(["kubeconfig", "create", "lab", "--group", "dev"], { env })).code).toBe(2);
    expect((await keel(["kubeconfig", "create", "../x", "--user", "a", "--group", "b"], { env })).code).toBe(2);
  });
});
