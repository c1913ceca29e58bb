import { afterAll, describe, expect, it } from "vitest";
import { sendError, sendJson, startStubApi, TOKEN, type StubApi } from "./keel-api-stub";
import { keel } from "./keel-process";

const stubs: StubApi[] = [];
afterAll(() => Promise.all(stubs.map((s) => s.close())));

const contents = { storage: "etcd", pki: true, manifests: true, images: false, config: true };
const backup = (id: string, status: string, error: string | null = null) => ({
  id,
  cluster: "lab",
  revision: 2,
  host: "10.0.0.1:22",
  k0sVersion: "1.30.0+k0s.0",
  size: 4096,
  sha256: "a".repeat(64),
  contents,
  status,
  error,
  runId: `run-${id}`,
  createdAt: 1_700_000_000_000,
  deletedAt: null,
});

async function api(): Promise<StubApi> {
  const stub = await startStubApi({
    "GET /v1/clusters/lab/backups": (_req, res) => sendJson(res, 200, { backups: [backup("b2", "verified"), backup("b1", "failed", "the archive lacks pki/")] }),
    "POST /v1/clusters/lab/restore": (req, res) => {
      const body = req.body as { reset?: string; dryRun?: boolean };
      if (body.reset !== "lab") return sendError(res, 409, "conflict", "cannot restore backup b2 onto cluster lab: reset: confirm with --reset lab", [{ path: "reset", message: "confirm" }]);
      sendJson(res, 200, { dryRun: true, plan: { phases: [{ name: "Restore cluster state", steps: [{ id: "restore:10.0.0.1:22", kind: "k0s.restore", host: "10.0.0.1:22" }] }] }, warnings: [] });
    },
  });
  stubs.push(stub);
  return stub;
}

describe("keel backup / restore", { timeout: 30_000 }, () => {
  it("lists backups, good ones as good and failed ones with their reason", async () => {
    const stub = await api();
    const env = { KEEL_API_URL: stub.url, KEEL_TOKEN: TOKEN };
    const run = await keel(["backup", "list", "lab"], { env });
    expect(run.code, run.stderr).toBe(0);
    const [head, good, bad] = run.stdout.trim().split("\n");
    expect(head).toMatch(/^ID\s+CREATED\s+BYTES/);
    expect(good).toMatch(/^b2 .* etcd,pki,manifests,k0s\.yaml\s+good$/);
    expect(bad).toMatch(/FAILED: the archive lacks pki\/$/);
    const json = await keel(["backup", "list", "lab", "--json"], { env });
    expect(JSON.parse(json.stdout)).toMatchObject({ backups: [{ id: "b2" }, { id: "b1" }] });
  });

  it("sends restore with the --reset confirmation and prints a dry run's plan", async () => {
    const stub = await api();
    const env = { KEEL_API_URL: stub.url, KEEL_TOKEN: TOKEN };
    const refused = await keel(["restore", "lab", "--backup", "b2"], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("confirm with --reset lab");
    const dry = await keel(["restore", "lab", "--backup", "b2", "--reset", "lab", "--dry-run", "--timeout", "30"], { env });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("Dry run of the restore of backup b2 onto lab");
    expect(stub.requests.filter((r) => r.path === "/v1/clusters/lab/restore").map((r) => r.body)).toEqual([
      { backup: "b2", dryRun: false },
      { backup: "b2", reset: "lab", dryRun: true, timeout: 30 },
    ]);
  });

  it("refuses a bad command line before calling the API", async () => {
    const env = { KEEL_API_URL: "http://127.0.0.1:9", KEEL_TOKEN: TOKEN };
    const [noBackup, badId, badVerb, stray, badTimeout] = await Promise.all([
      keel(["restore", "lab"], { env }),
      keel(["restore", "lab", "--backup", "a/b"], { env }),
      keel(["backup", "drop", "lab"], { env }),
      keel(["apply", "-c", "x.yaml", "--reset", "lab"], { env }),
      keel(["restore", "lab", "--backup", "b2", "--timeout", "soon"], { env }),
    ]);
    expect(noBackup.stderr).toContain("--backup ID is required");
    expect(badId.code).toBe(2);
    expect(badVerb.stderr).toContain("give create or list");
    expect(stray.stderr).toContain("--reset goes with --restore-from");
    expect(badTimeout.code).toBe(2);
    expect(badTimeout.stderr).toContain("--timeout must be a whole number of seconds");
  });
});
