import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { ClusterListResponse, RelayListResponse, RevisionListResponse, TokenListResponse } from "../../schema/api";
import { seedYaml } from "./fixtures";
import { call, errorOf, jsonBody, mintToken, yamlBody } from "./helpers";

const CLUSTER = "paged-cluster";
const REVISIONS = 7;

beforeAll(async () => {
  expect((await call("POST", "/v1/clusters", yamlBody(seedYaml(CLUSTER)))).status).toBe(201);
  for (let i = 2; i <= REVISIONS; i++) {
    const changed = seedYaml(CLUSTER).replace("port: 6443", `port: ${6440 + i}`);
    expect((await call("PUT", `/v1/clusters/${CLUSTER}`, yamlBody(changed))).status).toBe(200);
  }
  for (let i = 0; i < 5; i++) expect((await call("POST", "/v1/clusters", yamlBody(seedYaml(`paged-extra-${i}`)))).status).toBe(201);
  for (let i = 0; i < 5; i++) await mintToken("viewer", `paged-token-${i}`);
  for (let i = 0; i < 5; i++) expect((await call("POST", "/v1/relays", jsonBody({ name: `paged-relay-${i}`, site: `site-${i % 2}` }))).status).toBe(201);
});

/** Follows nextCursor from `first` to the end; returns every page. */
async function allPages<T>(first: string, parse: (json: unknown) => { items: T[]; nextCursor: string | null }): Promise<T[][]> {
  const pages: T[][] = [];
  let url: string | null = first;
  while (url !== null) {
    const res = await call("GET", url);
    expect(res.status, res.text).toBe(200);
    const page = parse(res.json);
    pages.push(page.items);
    url = page.nextCursor === null ? null : `${first}${first.includes("?") ? "&" : "?"}cursor=${encodeURIComponent(page.nextCursor)}`;
    expect(pages.length).toBeLessThan(50);
  }
  return pages;
}

describe("GET /v1/clusters/:name/revisions (F5)", () => {
  it("leaves out source and spec unless full=true, and pages newest first", async () => {
    const pages = await allPages(`/v1/clusters/${CLUSTER}/revisions?limit=3`, (j) => {
      const r = RevisionListResponse.parse(j);
      return { items: r.revisions, nextCursor: r.nextCursor };
    });
    expect(pages.map((p) => p.map((r) => r.revision))).toEqual([[7, 6, 5], [4, 3, 2], [1]]);
    for (const r of pages.flat()) {
      expect(r).not.toHaveProperty("source");
      expect(r).not.toHaveProperty("spec");
    }
    const full = RevisionListResponse.parse((await call("GET", `/v1/clusters/${CLUSTER}/revisions?full=true&limit=2`)).json);
    expect(full.revisions.map((r) => r.revision)).toEqual([7, 6]);
    expect(full.revisions[0]?.source).toContain("port: 6447");
    expect(full.revisions[0]?.spec).toMatchObject({ metadata: { name: CLUSTER } });
  });

  it("has a default page size and bounds limit, more tightly with full=true", async () => {
    const defaults = RevisionListResponse.parse((await call("GET", `/v1/clusters/${CLUSTER}/revisions`)).json);
    expect(defaults.revisions.length).toBe(REVISIONS);
    for (const [query, field] of [["limit=0", "limit"], ["limit=101", "limit"], ["full=true&limit=11", "limit"], ["full=yes", "full"], ["cursor=not-a-cursor", "cursor"], ["cursor=eyJyZXZpc2lvbiI6Ii0xIn0", "cursor"]] as const) {
      const res = await call("GET", `/v1/clusters/${CLUSTER}/revisions?${query}`);
      expect(res.status, query).toBe(400);
      expect(errorOf(res).details?.map((d) => d.path), query).toContain(field);
    }
  });
});

describe("other lists (F12)", () => {
  it("GET /v1/clusters pages by name", async () => {
    const pages = await allPages("/v1/clusters?limit=2", (j) => {
      const r = ClusterListResponse.parse(j);
      return { items: r.clusters, nextCursor: r.nextCursor };
    });
    const names = pages.flat().map((c) => c.name);
    expect(names).toEqual([...names].sort());
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain(CLUSTER);
    expect(pages.every((p) => p.length <= 2)).toBe(true);
    expect((await call("GET", "/v1/clusters?limit=501")).status).toBe(400);
  });

  it("GET /v1/tokens pages newest first", async () => {
    const pages = await allPages("/v1/tokens?limit=2", (j) => {
      const r = TokenListResponse.parse(j);
      return { items: r.tokens, nextCursor: r.nextCursor };
    });
    const ids = pages.flat().map((t) => t.id);
    const total = (await env.DB.prepare("SELECT COUNT(*) AS n FROM api_tokens").first<{ n: number }>())?.n;
    expect(ids.length).toBe(total);
    expect(new Set(ids).size).toBe(ids.length);
    expect((await call("GET", "/v1/tokens?limit=0")).status).toBe(400);
  });

  it("GET /v1/relays pages by site and name", async () => {
    const pages = await allPages("/v1/relays?limit=2", (j) => {
      const r = RelayListResponse.parse(j);
      return { items: r.relays, nextCursor: r.nextCursor };
    });
    expect(pages.flat().map((r) => r.name)).toEqual(["paged-relay-0", "paged-relay-2", "paged-relay-4", "paged-relay-1", "paged-relay-3"]);
    expect((await call("GET", "/v1/relays?cursor=%%%")).status).toBe(400);
  });
});

describe("a spec D1 could not store (F5)", () => {
  it("is refused with 413 naming the limit, and nothing is stored", async () => {
    const name = "too-big-to-store";
    // One long string: the source and the spec's JSON each hold it once, ~2 MB together.
    const yaml = seedYaml(name).replace("        name: k0s\n", `        name: k0s\n        note: "${"n".repeat(1_000_000)}"\n`);
    const res = await call("POST", "/v1/clusters", yamlBody(yaml));
    expect(res.status, res.text.slice(0, 300)).toBe(413);
    expect(errorOf(res).code).toBe("payload_too_large");
    expect(errorOf(res).message).toMatch(/at most 1900000/);
    expect((await call("GET", `/v1/clusters/${name}`)).status).toBe(404);
  });
});
