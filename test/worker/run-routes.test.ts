import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, errorOf, jsonBody, uniqueName } from "./helpers";

describe("run routes", () => {
  it("answers 404 for an unknown cluster or run", async () => {
    expect((await call("POST", "/v1/clusters/no-such-cluster/facts")).status).toBe(404);
    expect((await call("GET", "/v1/runs/run_nope")).status).toBe(404);
    expect((await call("GET", "/v1/runs/run_nope/events")).status).toBe(404);
  });

  it("answers 422 naming the host when the spec cannot be planned (localhost)", async () => {
    const cluster = uniqueName("local");
    const spec = { apiVersion: "k0sctl.k0sproject.io/v1beta1", kind: "Cluster", metadata: { name: cluster }, spec: { hosts: [{ localhost: { enabled: true }, role: "single" }] } };
    expect((await call("POST", "/v1/clusters", jsonBody({ site: "dc1", spec }))).status).toBe(201);
    const res = await call("POST", `/v1/clusters/${cluster}/facts`);
    expect(res.status).toBe(422);
    expect(errorOf(res).details?.map((d) => d.path)).toEqual(["spec.hosts[0].localhost"]);
    const runs = await env.DB.prepare("SELECT COUNT(*) AS n FROM runs WHERE cluster = ?").bind(cluster).first<{ n: number }>();
    expect(runs?.n).toBe(0);
  });
});
