import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { AuditVerifyResult, CreatedRelay } from "../../schema/api";
import worker from "../../worker/index";
import { seedObject, seedYaml } from "./fixtures";
import { ADMIN_TOKEN, call, jsonBody, mintToken, yamlBody } from "./helpers";
import { Rng, SPECIAL, mutateJson, mutateYaml } from "./fuzz-inputs";
import { ROUTES, UNAUTHENTICATED_ROUTES } from "./route-table";

/**
 * A seeded fuzz of every route (route-table.ts): random methods, credentials,
 * path params, query strings and bodies (mutated seed examples among them).
 * Any 5xx fails the test, which prints the seed and the request. To explore
 * further, change SEED; a failure reproduces with the same SEED.
 */
const SEED = 20261209;
const REQUESTS = 2000;
const IN_FLIGHT = 4;

// The fuzz is not about rate limits (rate-limits.test.ts is): lift them for its requests.
const FUZZ_ENV = { ...env, RATE_LIMIT_PER_TOKEN: "1000000", RATE_LIMIT_PER_CLIENT: "1000000", RATE_LIMIT_AUTH_FAILURES: "1000000" };

const EXAMPLES = Object.values(import.meta.glob<string>("../../examples/**/*.yaml", { query: "?raw", import: "default", eager: true }));

const CLUSTERS = ["fuzz-a", "fuzz-b"];
/** Mostly tokens that get past auth (so bodies reach the handlers), sometimes anything else. */
const valid: string[] = [ADMIN_TOKEN];
const invalid: (string | null)[] = [null, "keel_api_not-a-token", "Bearer", ADMIN_TOKEN.slice(0, 16), "%00"];

beforeAll(async () => {
  for (const name of CLUSTERS) expect((await call("POST", "/v1/clusters?site=fuzz", yamlBody(seedYaml(name)))).status).toBe(201);
  for (const role of ["viewer", "operator", "admin", "operator"] as const) valid.push((await mintToken(role)).token);
  invalid.push(CreatedRelay.parse((await call("POST", "/v1/relays", jsonBody({ name: "fuzz-relay", site: "fuzz" }))).json).token);
});

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

function param(rng: Rng): string {
  const roll = rng.int(8);
  if (roll < 3) return rng.pick(CLUSTERS);
  if (roll === 3) return encodeURIComponent(rng.pick(SPECIAL)) || "x";
  if (roll === 4) return rng.pick(["00000000-0000-4000-8000-000000000000", "run_123", "fuzz-relay", "UPPER", "a.b.c", "-x-", "..%2F..%2Fx", "%2e%2e"]);
  if (roll === 5) return "n".repeat(1 + rng.int(3000));
  return `fz${rng.int(1000)}`;
}

const QUERY_KEYS = ["limit", "cursor", "full", "site", "dryRun", "timeout", "confirm", "after", "before", "cluster", "format", "follow", "x"];
const QUERY_VALUES = ["1", "0", "-1", "2", "501", "true", "false", "yes", "eyJuYW1lIjoiZnV6ei1hIn0", "eyJyZXZpc2lvbiI6MX0", "fuzz-a", "haproxy", "nginx"];

function query(rng: Rng): string {
  if (rng.chance(0.4)) return "";
  const parts = Array.from({ length: 1 + rng.int(4) }, () => {
    const value = rng.chance(0.6) ? rng.pick(QUERY_VALUES) : rng.pick(SPECIAL);
    return `${rng.pick(QUERY_KEYS)}=${encodeURIComponent(value)}`;
  });
  return `?${parts.join("&")}`;
}

function body(rng: Rng): { body: string; contentType: string | null } {
  const roll = rng.int(6);
  const contentType = rng.chance(0.9) ? null : rng.pick(["text/plain", "application/x-www-form-urlencoded", "", "application/json; charset=utf-16"]);
  if (roll <= 1) return { body: mutateYaml(rng, rng.pick(EXAMPLES)), contentType: contentType ?? "application/yaml" };
  if (roll === 2) return { body: rng.chance(0.3) ? rng.pick(EXAMPLES) : mutateYaml(rng, seedYaml(rng.pick(CLUSTERS))), contentType: contentType ?? "application/yaml" };
  if (roll === 3) return { body: JSON.stringify(mutateJson(rng, { spec: seedObject(rng.pick(CLUSTERS)) })), contentType: contentType ?? "application/json" };
  if (roll === 4) {
    const base = rng.pick<Record<string, unknown>>([{ name: "fz-token", role: "viewer", expiresIn: 3600 }, { name: "fz-relay", site: "fuzz" }, { site: "fuzz", yaml: seedYaml("fuzz-a") }]);
    return { body: JSON.stringify(mutateJson(rng, base)), contentType: contentType ?? "application/json" };
  }
  return { body: rng.pick(SPECIAL), contentType: contentType ?? rng.pick(["application/json", "application/yaml"]) };
}

/** HTTP cannot carry control or non-ASCII bytes in a header value: no client can send them. */
const headerSafe = (value: string) => value.replace(/[^\x20-\x7e]/g, "?");

function draw(rng: Rng): FuzzRequest {
  const routes = [...ROUTES.map((r) => `${r.method} ${r.route}`), ...UNAUTHENTICATED_ROUTES];
  const [routeMethod = "GET", route = "/"] = rng.pick(routes).split(" ");
  const method = rng.chance(0.85) ? routeMethod : rng.pick(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]);
  const path = route.replace(/:[a-z]+/g, () => param(rng)) + query(rng);
  const headers: Record<string, string> = {};
  const credential = rng.chance(0.75) ? rng.pick(valid) : rng.pick(invalid);
  if (credential !== null) headers.Authorization = rng.chance(0.9) ? `Bearer ${credential}` : `${rng.pick(["Basic", "Token", "bearer", "Bearer  "])} ${credential}`;
  if (rng.chance(0.2)) headers["CF-Connecting-IP"] = `203.0.113.${rng.int(256)}`;
  if (rng.chance(0.05)) headers.Upgrade = "websocket";
  if (rng.chance(0.05)) headers["Last-Event-ID"] = headerSafe(rng.pick(SPECIAL));
  if (!["POST", "PUT", "PATCH", "DELETE"].includes(method) || rng.chance(0.1)) return { method, path, headers };
  const b = body(rng);
  if (b.contentType !== null && b.contentType !== "") headers["Content-Type"] = b.contentType;
  return { method, path, headers, body: b.body };
}

async function send(req: FuzzRequest): Promise<{ status: number; text: string }> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`https://keel.test${req.path}`, { method: req.method, headers: req.headers, body: req.body ?? null }), FUZZ_ENV, ctx);
  // A followed event stream lasts as long as its run: read its status, not its body.
  const text = res.headers.get("content-type")?.startsWith("text/event-stream") ? (await res.body?.cancel(), "") : await res.text();
  res.webSocket?.accept();
  res.webSocket?.close(1000, "fuzz done");
  await waitOnExecutionContext(ctx);
  return { status: res.status, text };
}

describe("fuzz", () => {
  it(`answers ${REQUESTS} random requests (seed ${SEED}) without a 5xx`, { timeout: 600_000 }, async () => {
    const rng = new Rng(SEED);
    const requests = Array.from({ length: REQUESTS }, () => draw(rng));
    const failures: string[] = [];
    const statuses: Record<number, number> = {};
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < requests.length) {
          const index = next++;
          const req = requests[index];
          if (!req) break;
          const res = await send(req);
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          if (res.status >= 500) {
            const shown = { ...req, path: req.path.slice(0, 300), body: req.body?.slice(0, 500) };
            failures.push(`seed ${SEED}, request #${index}: ${JSON.stringify(shown)} -> ${res.status} ${res.text.slice(0, 300)}`);
          }
        }
      }),
    );
    console.log(`fuzz seed ${SEED}: ${REQUESTS} requests, statuses ${JSON.stringify(statuses)}`);
    expect(failures, `seed ${SEED}`).toEqual([]);

    const verify = await call("GET", "/v1/audit/verify");
    expect(AuditVerifyResult.parse(verify.json)).toMatchObject({ ok: true });
  });
});
