import { afterAll, describe, expect, it } from "vitest";
import type { CertificatesResponse, CertificateView } from "../../schema/certs-api";
import { residual } from "../../cli/print-certs";
import { sendJson, startStubApi, TOKEN, type StubApi } from "./keel-api-stub";
import { keel } from "./keel-process";

const stubs: StubApi[] = [];
afterAll(async () => {
  await Promise.all(stubs.map((s) => s.close()));
});

const NOW = Date.UTC(2026, 11, 1);
const DAY = 86_400_000;

function view(name: string, host: string, days: number, isCA: boolean, caName: string | null): CertificateView {
  const notAfter = NOW + days * DAY;
  return {
    host, path: `/var/lib/k0s/pki/${name}.crt`, name, subject: `CN=${name}`, issuer: "CN=kubernetes-ca", sans: [], notBefore: NOW - DAY, notAfter,
    expirationDate: new Date(notAfter).toISOString(), residualTime: days * 86_400, isCA, caName, fingerprint: "aa", runId: "run_1", observedAt: NOW,
  };
}

const BODY: CertificatesResponse = {
  cluster: "lab",
  now: NOW,
  certificates: [view("server", "10.0.0.11:22", 9, false, "ca"), view("etcd/peer", "10.0.0.11:22", 364, false, "etcd/ca"), view("ca", "10.0.0.11:22", 200, true, null)],
  warnings: ["CA ca (CN=kubernetes-ca) on 10.0.0.11:22 expires in 200 days: keel renews leaf certificates only; replacing a CA is a manual k0s procedure"],
};

async function certsApi(): Promise<StubApi> {
  const api = await startStubApi({
    "GET /v1/clusters/lab/certificates": (_req, res) => sendJson(res, 200, BODY),
    "POST /v1/clusters/lab/certificates/renew": (_req, res) => sendJson(res, 400, { error: { code: "conflict", message: "stop here", requestId: "r" } }),
  });
  stubs.push(api);
  return api;
}

describe.concurrent("keel certs", { timeout: 120_000 }, () => {
  it("prints a kubeadm-like table, leaves then CAs, the CA warning on stderr", async () => {
    const api = await certsApi();
    const run = await keel(["certs", "lab", "--expiring-within", "400d"], { env: { KEEL_API_URL: api.url, KEEL_TOKEN: TOKEN } });
    expect(run.code).toBe(0);
    expect(run.stdout.split("\n")).toEqual([
      "CERTIFICATE   HOST           EXPIRES                  RESIDUAL TIME   CA",
      "server        10.0.0.11:22   Dec 10, 2026 00:00 UTC   9d              ca",
      "etcd/peer     10.0.0.11:22   Nov 30, 2027 00:00 UTC   364d            etcd/ca",
      "",
      "CERTIFICATE AUTHORITY   HOST           EXPIRES                  RESIDUAL TIME",
      "ca                      10.0.0.11:22   Jun 19, 2027 00:00 UTC   200d",
      "",
    ]);
    expect(run.stderr).toContain("warning: CA ca (CN=kubernetes-ca) on 10.0.0.11:22 expires in 200 days");
    expect(api.requests[0]?.query).toEqual({ expiringWithin: "400d" });
  });

  it("--json prints the API's answer; a bad window or a stray flag is a usage error; renew passes --workers", async () => {
    const api = await certsApi();
    const env = { KEEL_API_URL: api.url, KEEL_TOKEN: TOKEN };
    const json = await keel(["certs", "lab", "--json"], { env });
    expect(JSON.parse(json.stdout)).toEqual(BODY);
    const bad = await keel(["certs", "lab", "--expiring-within", "30x"], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--expiring-within must be a duration like 30d or 12h");
    expect((await keel(["certs", "inventory", "lab", "--workers"], { env })).code).toBe(2);
    const renew = await keel(["certs", "renew", "lab", "--workers"], { env });
    expect(renew.code).toBe(1);
    expect(api.requests.find((r) => r.method === "POST")?.query).toEqual({ workers: "true" });
  });

  it("residual time reads like kubeadm's", () => {
    expect([residual(-5), residual(30 * 60), residual(5 * 3600), residual(9 * 86_400), residual(3649 * 86_400)]).toEqual(["<invalid>", "30m", "5h", "9d", "9y"]);
  });
});
