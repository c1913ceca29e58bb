import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ClusterListResponse, ClusterResponse, ClusterUpdateResponse, RevisionListResponse } from "../../schema/api";
import { MAX_SPEC_BYTES } from "../../schema/cluster-load";
import { badSpecYaml, seedObject, seedYaml } from "./fixtures";
import { call, errorOf, jsonBody, uniqueName, yamlBody } from "./helpers";
import { startRun } from "./run-helpers";
import type { RunState } from "../../worker/runs/run-state";

async function countRows(table: "clusters" | "cluster_revisions", cluster: string): Promise<number> {
  const column = table === "clusters" ? "name" : "cluster";
  const row = await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE ${column} = ?`).bind(cluster).first<{ n: number }>();
  return row?.n ?? 0;
}

async function create(name: string, site?: string) {
  const res = await call("POST", `/v1/clusters${site ? `?site=${site}` : ""}`, yamlBody(seedYaml(name)));
  expect(res.status, res.text).toBe(201);
  return ClusterResponse.parse(res.json).cluster;
}

describe("POST /v1/clusters", () => {
  it("stores the seed article's 2.1 k0sctl.yaml as revision 1", async () => {
    const res = await call("POST", "/v1/clusters?site=dc1", yamlBody(seedYaml()));
    expect(res.status, res.text).toBe(201);
    const { cluster } = ClusterResponse.parse(res.json);
    expect(cluster).toMatchObject({ name: "k0s-cluster", site: "dc1", currentRevision: 1, appliedRevision: null, facts: null });
    expect(cluster.spec).toMatchObject({ metadata: { name: "k0s-cluster" } });

    const stored = await env.DB.prepare("SELECT source, created_by FROM cluster_revisions WHERE cluster = 'k0s-cluster'").first<{ source: string; created_by: string }>();
    expect(stored).toEqual({ source: seedYaml(), created_by: "bootstrap" });

    const got = ClusterResponse.parse((await call("GET", "/v1/clusters/k0s-cluster")).json).cluster;
    expect(got).toEqual(cluster);
  });

  it.each(["application/yaml", "text/yaml", "application/x-yaml", "application/yaml; charset=utf-8"])("accepts %s, site defaulting to 'default'", async (type) => {
    const name = uniqueName("yaml");
    const res = await call("POST", "/v1/clusters", { body: seedYaml(name), contentType: type });
    expect(res.status, res.text).toBe(201);
    expect(ClusterResponse.parse(res.json).cluster).toMatchObject({ name, site: "default" });
  });

  it("accepts JSON {site, spec} and {site, yaml}", async () => {
    const a = uniqueName("json");
    const bySpec = await call("POST", "/v1/clusters", jsonBody({ site: "dc2", spec: seedObject(a) }));
    expect(bySpec.status, bySpec.text).toBe(201);
    expect(ClusterResponse.parse(bySpec.json).cluster).toMatchObject({ name: a, site: "dc2" });

    const b = uniqueName("json");
    const byYaml = await call("POST", "/v1/clusters", jsonBody({ site: "dc2", yaml: seedYaml(b) }));
    expect(byYaml.status, byYaml.text).toBe(201);
    const source = await env.DB.prepare("SELECT source FROM cluster_revisions WHERE cluster = ?").bind(b).first<{ source: string }>();
    expect(source?.source).toBe(seedYaml(b));
  });

  it("refuses an invalid spec with 422 naming every field, and stores nothing", async () => {
    const name = uniqueName("bad");
    const res = await call("POST", "/v1/clusters", yamlBody(badSpecYaml(name)));
    expect(res.status, res.text).toBe(422);
    const error = errorOf(res);
    expect(error.code).toBe("invalid_spec");
    const paths = (error.details ?? []).map((d) => d.path);
    expect(paths.length).toBeGreaterThanOrEqual(3);
    expect(paths).toEqual(expect.arrayContaining(["spec.hosts[0].role", "spec.hosts[1].ssh.address"]));
    expect(paths.some((p) => p.startsWith("spec.hosts[0].ssh.port"))).toBe(true);
    expect(await countRows("clusters", name)).toBe(0);
    expect(await countRows("cluster_revisions", name)).toBe(0);
  });

  it("refuses YAML that does not parse, and a JSON spec that is not a cluster", async () => {
    const broken = await call("POST", "/v1/clusters", yamlBody("apiVersion: [unclosed"));
    expect(broken.status).toBe(422);
    expect(errorOf(broken).details?.length).toBeGreaterThan(0);
    const notCluster = await call("POST", "/v1/clusters", jsonBody({ spec: { hello: "world" } }));
    expect(notCluster.status).toBe(422);
  });

  it("refuses a bad body shape with 400 naming the field", async () => {
    const both = await call("POST", "/v1/clusters", jsonBody({ spec: seedObject("x"), yaml: "x" }));
    expect(both.status).toBe(400);
    expect(errorOf(both).details?.[0]?.path).toBe("spec");
    const badSite = await call("POST", "/v1/clusters", jsonBody({ site: "Not A Site", spec: seedObject("y") }));
    expect(badSite.status).toBe(400);
    expect(errorOf(badSite).details?.[0]?.path).toBe("site");
    const badQuerySite = await call("POST", "/v1/clusters?site=UPPER", yamlBody(seedYaml("z")));
    expect(badQuerySite.status).toBe(400);
    expect(errorOf(badQuerySite).details?.[0]?.path).toBe("site");
    const notJson = await call("POST", "/v1/clusters", { body: "{nope", contentType: "application/json" });
    expect(notJson.status).toBe(400);
    expect(errorOf(notJson).code).toBe("bad_request");
  });

  it("refuses an invalid cluster name in metadata.name", async () => {
    const res = await call("POST", "/v1/clusters", yamlBody(seedYaml("Bad_Name")));
    expect(res.status).toBe(422);
    expect(errorOf(res).details?.map((d) => d.path)).toContain("metadata.name");
  });

  it("answers 415 for other content types", async () => {
    const res = await call("POST", "/v1/clusters", { body: seedYaml("t"), contentType: "text/plain" });
    expect(res.status).toBe(415);
    expect(errorOf(res).code).toBe("unsupported_media_type");
  });

  it("refuses more than MAX_SPEC_BYTES with 413, by Content-Length and by actual size", async () => {
    const name = uniqueName("huge");
    const big = seedYaml(name) + `# ${"x".repeat(MAX_SPEC_BYTES)}\n`;
    const declared = await call("POST", "/v1/clusters", yamlBody(big));
    expect(declared.status).toBe(413);
    expect(errorOf(declared).code).toBe("payload_too_large");

    // A streamed body has no Content-Length: the limit holds while reading.
    const bytes = new TextEncoder().encode(big);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 64 * 1024) controller.enqueue(bytes.slice(i, i + 64 * 1024));
        controller.close();
      },
    });
    const streamed = await call("POST", "/v1/clusters", { body: stream, contentType: "application/yaml" });
    expect(streamed.status).toBe(413);
    expect(await countRows("clusters", name)).toBe(0);
  });

  it("answers 409 for a name that exists, keeping the first", async () => {
    const name = uniqueName("dup");
    await create(name, "dc1");
    const again = await call("POST", "/v1/clusters?site=dc2", yamlBody(seedYaml(name)));
    expect(again.status).toBe(409);
    expect(errorOf(again).code).toBe("conflict");
    expect(ClusterResponse.parse((await call("GET", `/v1/clusters/${name}`)).json).cluster.site).toBe("dc1");
    expect(await countRows("cluster_revisions", name)).toBe(1);
  });
});

describe("GET /v1/clusters", () => {
  it("lists clusters, filtered by site", async () => {
    const a = uniqueName("list");
    const b = uniqueName("list");
    await create(a, "site-a");
    await create(b, "site-b");
    const all = ClusterListResponse.parse((await call("GET", "/v1/clusters")).json).clusters.map((c) => c.name);
    expect(all).toEqual(expect.arrayContaining([a, b]));
    const onlyA = ClusterListResponse.parse((await call("GET", "/v1/clusters?site=site-a")).json).clusters;
    expect(onlyA.map((c) => c.name)).toEqual([a]);
    expect(onlyA[0]).not.toHaveProperty("spec");
  });

  it("answers 404 for an unknown cluster and 400 for a bad name", async () => {
    expect((await call("GET", "/v1/clusters/nope")).status).toBe(404);
    const bad = await call("GET", "/v1/clusters/Bad_Name");
    expect(bad.status).toBe(400);
    expect(errorOf(bad).details?.[0]?.path).toBe("name");
  });
});

describe("PUT /v1/clusters/:name", () => {
  it("stores a new revision, and no revision for an unchanged spec", async () => {
    const name = uniqueName("put");
    await create(name);
    const changed = seedYaml(name).replace("version: 1.21.2+k0s.1", "version: 1.21.3+k0s.0");
    const res = await call("PUT", `/v1/clusters/${name}`, yamlBody(changed));
    expect(res.status, res.text).toBe(200);
    const updated = ClusterUpdateResponse.parse(res.json);
    expect(updated.unchanged).toBe(false);
    expect(updated.cluster.currentRevision).toBe(2);
    expect(updated.cluster.spec).toMatchObject({ spec: { k0s: { version: "1.21.3+k0s.0" } } });

    // The same spec again, even as JSON and reformatted: no revision 3.
    const same = await call("PUT", `/v1/clusters/${name}`, jsonBody({ yaml: `# a comment\n${changed}` }));
    expect(same.status, same.text).toBe(200);
    expect(ClusterUpdateResponse.parse(same.json)).toMatchObject({ unchanged: true, cluster: { currentRevision: 2 } });

    const revisions = RevisionListResponse.parse((await call("GET", `/v1/clusters/${name}/revisions?full=true`)).json).revisions;
    expect(revisions.map((r) => r.revision)).toEqual([2, 1]);
    expect(revisions[0]?.source).toBe(changed);
    expect(revisions[1]?.source).toBe(seedYaml(name));
  });

  it("moves a cluster to another site without a new revision", async () => {
    const name = uniqueName("move");
    await create(name, "dc1");
    const res = await call("PUT", `/v1/clusters/${name}?site=dc9`, yamlBody(seedYaml(name)));
    expect(res.status, res.text).toBe(200);
    expect(ClusterUpdateResponse.parse(res.json)).toMatchObject({ unchanged: false, cluster: { site: "dc9", currentRevision: 1 } });
  });

  it("refuses a metadata.name that is not the cluster in the URL", async () => {
    const name = uniqueName("mismatch");
    await create(name);
    const res = await call("PUT", `/v1/clusters/${name}`, yamlBody(seedYaml("someone-else")));
    expect(res.status).toBe(400);
    expect(errorOf(res).details?.[0]?.path).toBe("metadata.name");
  });

  it("answers 404 for an unknown cluster and 422 for a bad spec", async () => {
    expect((await call("PUT", "/v1/clusters/ghost", yamlBody(seedYaml("ghost")))).status).toBe(404);
    const name = uniqueName("putbad");
    await create(name);
    const res = await call("PUT", `/v1/clusters/${name}`, yamlBody(badSpecYaml(name)));
    expect(res.status).toBe(422);
    expect(await countRows("cluster_revisions", name)).toBe(1);
  });
});

describe("DELETE /v1/clusters/:name", () => {
  it("forgets the cluster and its revisions", async () => {
    const name = uniqueName("del");
    await create(name);
    await call("PUT", `/v1/clusters/${name}`, yamlBody(seedYaml(name).replace("1.21.2+k0s.1", "1.22.0+k0s.0")));
    const res = await call("DELETE", `/v1/clusters/${name}`);
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual({ deleted: name });
    expect(await countRows("clusters", name)).toBe(0);
    expect(await countRows("cluster_revisions", name)).toBe(0);
    expect((await call("GET", `/v1/clusters/${name}`)).status).toBe(404);
    expect((await call("DELETE", `/v1/clusters/${name}`)).status).toBe(404);
  });

  it("refuses with 409 while its cluster object runs a run", async () => {
    const name = uniqueName("busy");
    await create(name, uniqueName("site")); // a site without a relay: the run waits
    const runId = await startRun(name, "facts");
    // Keep it waiting for the length of the test, whatever RELAY_WAIT_SECONDS says.
    await runInDurableObject(env.CLUSTER.get(env.CLUSTER.idFromName(name)), async (_object, state) => {
      const run = await state.storage.get<RunState>("run");
      if (!run) throw new Error("no active run in storage");
      run.waitingSince = Date.now() + 3_600_000;
      await state.storage.put("run", run);
    });
    const res = await call("DELETE", `/v1/clusters/${name}`);
    expect(res.status).toBe(409);
    expect(errorOf(res).message).toContain(runId);
    expect(await countRows("clusters", name)).toBe(1);
  });

  it.each(["queued", "waiting_for_relay", "running"])("is not blocked forever by a D1 run row (%s) its cluster object lost", async (status) => {
    const name = uniqueName("orphan");
    await create(name);
    const runId = `run-${name}`;
    await env.DB.prepare("INSERT INTO runs (id, cluster, operation, revision, status, plan, requested_by, created_at) VALUES (?, ?, 'facts', 1, ?, '[]', 'bootstrap', ?)")
      .bind(runId, name, status, Date.now())
      .run();
    const res = await call("DELETE", `/v1/clusters/${name}`);
    expect(res.status, res.text).toBe(200);
    const run = await env.DB.prepare("SELECT status, error FROM runs WHERE id = ?").bind(runId).first<{ status: string; error: string }>();
    expect(run?.status).toBe("failed");
    expect(run?.error).toMatch(/state was lost/);
    const audit = await env.DB.prepare("SELECT actor, outcome FROM audit_log WHERE action = 'run.finish' AND target = ?").bind(runId).first();
    expect(audit).toEqual({ actor: "system", outcome: "failed" });
  });
});
