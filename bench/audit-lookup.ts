// Audit lookup over a large log: fills local D1 with AUDIT_BENCH_ROWS (default
// 1,000,000) audit rows, then times GET /v1/audit through the real route in
// workerd (wrangler dev) with a mix of filters and cursors. Writes the
// "Audit lookup" section of BENCHMARKS.md. Run alone: npx tsx bench/audit-lookup.ts
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { getPlatformProxy } from "wrangler";
import { AuditPage, AuditQuery } from "../schema/audit-api";
import { encodeCursor } from "../schema/api";
import { openDb } from "../worker/core/db";
import { auditPageQuery, listAudit } from "../worker/services/audit/list";
import { BENCH_SECTIONS, writeSection } from "./report";
import { freePort } from "../scripts/local/free-port";
import { REPO_ROOT, applyLocalMigrations, queryLocalD1, startLocalApi } from "../scripts/local/local-api";

const ROWS = Number(process.env.AUDIT_BENCH_ROWS ?? 1_000_000);
const LOOKUPS = Number(process.env.AUDIT_BENCH_LOOKUPS ?? 400);
/** One entry every 2.5 s: a million rows span about 29 days, ending now. */
const STEP_MS = 2500;
const END = Date.now();
const START = END - ROWS * STEP_MS;
const CLUSTERS = 200;
const TOKENS = 40;
const ACTIONS = ["cluster.update", "run.start", "run.finish", "cluster.create", "token.create", "relay.connect", "cluster.kubeconfig", "run.cancel", "cluster.delete", "token.revoke"];

/**
 * One INSERT … SELECT over a recursive counter: the rows are made inside
 * SQLite, so a million take seconds, not a million round trips. The
 * hashes are placeholders (this measures lookups, not the chain).
 */
function fillSql(from: number, to: number): string {
  const action = `CASE i % ${ACTIONS.length} ${ACTIONS.map((a, n) => `WHEN ${n} THEN '${a}'`).join(" ")} END`;
  return `WITH RECURSIVE n(i) AS (SELECT ${from} UNION ALL SELECT i + 1 FROM n WHERE i < ${to})
INSERT INTO audit_log (seq, at, actor, action, cluster, target, outcome, details, prev_hash, hash)
SELECT i, ${START} + i * ${STEP_MS},
  CASE WHEN i % 10 = 5 THEN 'relay:dc' || (i % 7) WHEN i % 10 = 3 THEN 'system' ELSE 'token:' || (i % ${TOKENS}) END,
  ${action},
  CASE WHEN i % ${ACTIONS.length} IN (4, 5, 9) THEN NULL ELSE 'cluster-' || (i % ${CLUSTERS}) END,
  CASE WHEN (${action}) LIKE 'run.%' THEN 'run-' || (i / 40) ELSE 'cluster-' || (i % ${CLUSTERS}) END,
  CASE WHEN i % 97 = 0 THEN 'denied' WHEN i % 31 = 0 THEN 'failed' WHEN i % 211 = 0 THEN 'error' ELSE 'ok' END,
  '{"i":' || i || '}',
  printf('%064x', i - 1), printf('%064x', i)
FROM n`;
}

interface Lookup {
  name: string;
  query: () => string;
  /** Pages to follow with nextCursor after the first. */
  pages: number;
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;
const some = (max: number) => Math.floor(Math.random() * max);
const iso = (at: number) => new Date(at).toISOString();
const pastWindow = () => {
  const from = START + some(ROWS * STEP_MS - 86_400_000);
  return `since=${iso(from)}&until=${iso(from + 86_400_000)}`;
};

const LOOKUP_MIX: Lookup[] = [
  { name: "newest 50, no filter", query: () => "limit=50", pages: 0 },
  { name: "no filter, 3 pages deep", query: () => "limit=50", pages: 3 },
  { name: "cluster", query: () => `cluster=cluster-${some(CLUSTERS)}`, pages: 1 },
  { name: "actor", query: () => `actor=token:${some(TOKENS)}`, pages: 1 },
  { name: "action", query: () => `action=${pick(ACTIONS)}`, pages: 1 },
  { name: "outcome (rare: denied, error)", query: () => `outcome=${pick(["denied", "error"])}`, pages: 1 },
  { name: "run", query: () => `run=run-${some(ROWS / 40)}`, pages: 0 },
  { name: "since 24h", query: () => "since=24h&limit=100", pages: 1 },
  { name: "a day a while ago", query: () => `${pastWindow()}&limit=100`, pages: 2 },
  { name: "cluster + a past day", query: () => `cluster=cluster-${some(CLUSTERS)}&${pastWindow()}`, pages: 0 },
  { name: "cluster + outcome=failed", query: () => `cluster=cluster-${some(CLUSTERS)}&outcome=failed`, pages: 0 },
  { name: "actor + action", query: () => `actor=token:${some(TOKENS)}&action=${pick(ACTIONS)}`, pages: 1 },
];

/** The plans ADR 0011 shows, as SQLite picks them on the filled table (the SQL the service sends, parameters inlined). */
const EXPLAINED: Record<string, string> = {
  "no filter, after a cursor": `SELECT * FROM audit_log WHERE at <= ${END} AND (at < ${END} OR +seq < 999) ORDER BY at DESC, seq DESC LIMIT 51`,
  cluster: "SELECT * FROM audit_log WHERE cluster = 'cluster-7' ORDER BY at DESC, seq DESC LIMIT 51",
  "cluster + time range + outcome": `SELECT * FROM audit_log WHERE cluster = 'cluster-7' AND +outcome = 'failed' AND at >= ${START} AND at <= ${END} ORDER BY at DESC, seq DESC LIMIT 51`,
  "actor + action (checked in the index)": "SELECT * FROM audit_log WHERE actor = 'token:7' AND +action = 'cluster.update' ORDER BY at DESC, seq DESC LIMIT 51",
  run: "SELECT * FROM audit_log WHERE target = 'run-7' ORDER BY at DESC, seq DESC LIMIT 51",
  "export chunk": `SELECT * FROM audit_log WHERE at >= ${START} AND (at > ${START} OR +seq > 7) AND +seq <= ${ROWS} ORDER BY at ASC, seq ASC LIMIT 2000`,
};

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

const dir = await mkdtemp(join(tmpdir(), "keel-bench-audit-"));
const persistTo = join(dir, "state");
try {
  await applyLocalMigrations(persistTo);
  const t0 = performance.now();
  // 250k rows a statement keeps each one well inside a D1 query's time limit.
  for (let from = 1; from <= ROWS; from += 250_000) await queryLocalD1(persistTo, fillSql(from, Math.min(ROWS, from + 250_000 - 1)));
  const fillSeconds = (performance.now() - t0) / 1000;
  const counted = await queryLocalD1(persistTo, "SELECT COUNT(*) AS n FROM audit_log");
  console.log(`filled ${String(counted[0]?.n)} rows in ${fillSeconds.toFixed(1)} s`);

  const plans: string[] = [];
  for (const [name, sql] of Object.entries(EXPLAINED)) {
    const rows = await queryLocalD1(persistTo, `EXPLAIN QUERY PLAN ${sql}`);
    plans.push(`${name}:\n${rows.map((r) => `  ${String(r.detail)}`).join("\n")}`);
  }
  console.log(plans.join("\n"));

  // 1. The whole request: the real route in workerd (wrangler dev), bearer auth and the rate limiter included.
  const adminToken = `keel_admin_${randomBytes(18).toString("base64url")}`;
  const api = await startLocalApi({ port: await freePort(), persistTo, adminToken, vars: { RATE_LIMIT_PER_TOKEN: "1000000", RATE_LIMIT_PER_CLIENT: "1000000" } });
  let route: Measured;
  try {
    route = await measure(async (query) => {
      const res = await fetch(`${api.url}/v1/audit?${query}`, { headers: { Authorization: `Bearer ${adminToken}` } });
      const body: unknown = await res.json();
      if (!res.ok) throw new Error(`GET /v1/audit?${query}: ${res.status} ${JSON.stringify(body)}`);
      return AuditPage.parse(body);
    });
  } finally {
    await api.stop();
  }
  // 2. The lookup alone: the service (worker/services/audit/list.ts) against the same D1 in workerd, through wrangler's platform proxy.
  const proxy = await getPlatformProxy<{ DB: D1Database }>({ configPath: join(REPO_ROOT, "wrangler.toml"), persist: { path: join(persistTo, "v3") } });
  let service: Measured;
  let sqlOnly: Measured;
  try {
    service = await measure((query) => listAudit(proxy.env.DB, AuditQuery.parse(Object.fromEntries(new URLSearchParams(query)))));
    // 3. The SQL alone: the service's own query, timed by D1 itself (meta.duration), so neither the proxy nor JSON counts.
    const db = openDb(proxy.env.DB);
    sqlOnly = await measure(async (query) => {
      const input = AuditQuery.parse(Object.fromEntries(new URLSearchParams(query)));
      const { sql, params } = auditPageQuery(db, input).toSQL();
      const result = await proxy.env.DB.prepare(sql)
        .bind(...params)
        .all<{ at: number; seq: number }>();
      const last = result.results.slice(0, input.limit).at(-1);
      return { nextCursor: result.results.length > input.limit && last ? encodeCursor({ at: last.at, seq: last.seq }) : null, ms: result.meta.duration };
    });
  } finally {
    await proxy.dispose();
  }

  const load = loadavg()[1]?.toFixed(1) ?? "?";
  const p50p99 = (ms: readonly number[]) => {
    const sorted = [...ms].sort((a, b) => a - b);
    return `${quantile(sorted, 0.5).toFixed(2)} ms | ${quantile(sorted, 0.99).toFixed(2)} ms`;
  };
  const kinds = LOOKUP_MIX.map((l) => {
    const viaRoute = route.byKind.get(l.name) ?? [];
    return `| ${l.name} | ${viaRoute.length} | ${p50p99(viaRoute)} | ${p50p99(service.byKind.get(l.name) ?? [])} | ${p50p99(sqlOnly.byKind.get(l.name) ?? [])} |`;
  });
  const section = `## Audit lookup

\`npx tsx bench/audit-lookup.ts\` writes this section. Machine: ${cpus().length} × ${cpus()[0]?.model ?? "?"}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.

Method: local D1 (the SQLite file wrangler keeps) filled with ${ROWS.toLocaleString("en")} audit rows over ${Math.round((ROWS * STEP_MS) / 86_400_000)} days
(${CLUSTERS} clusters, ${TOKENS} tokens, ${ACTIONS.length} actions, 1% denied, 3% failed) by INSERT … SELECT (${fillSeconds.toFixed(0)} s).
Then ${LOOKUPS} lookups each way, a random mix of the filters below, some following \`nextCursor\` for a few
pages (each page counts as a lookup), after one warm-up round:

- **route**: \`GET /v1/audit\` through the real route in workerd (\`wrangler dev\`), timed by the client from
  request to parsed JSON: bearer auth, the rate limiter Durable Object, the lookup and 50–100 entries of JSON.
- **service**: \`listAudit\` (worker/services/audit/list.ts) on the same local D1 in workerd through wrangler's
  \`getPlatformProxy\`: the lookup plus the proxy's loopback round trip and serialization.
- **SQL in D1**: the service's own query (\`auditPageQuery(…).toSQL()\`) on the same D1, timed by D1 itself
  (\`meta.duration\`, whole milliseconds locally): what the indexes decide.

The machine is shared: its 5-minute load average was ${load} at the end of the run (on ${cpus().length} cores), so
the tails are mostly waiting for a CPU; compare the p50s, and run it on an idle machine for the tails.

| | p50 | p99 |
| --- | ---: | ---: |
| route | ${quantile(route.sorted, 0.5).toFixed(2)} ms | ${quantile(route.sorted, 0.99).toFixed(2)} ms |
| service | ${quantile(service.sorted, 0.5).toFixed(2)} ms | ${quantile(service.sorted, 0.99).toFixed(2)} ms |
| SQL in D1 | ${quantile(sqlOnly.sorted, 0.5).toFixed(2)} ms | ${quantile(sqlOnly.sorted, 0.99).toFixed(2)} ms |

Goal: p99 ≤ 20 ms. Indexes and their query plans: docs/adr/0011-audit-lookup-indexes.md.

| lookup | count (route) | route p50 | route p99 | service p50 | service p99 | SQL p50 | SQL p99 |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${kinds.join("\n")}
`;
  console.log(section);
  await writeSection("audit", section, BENCH_SECTIONS);
} finally {
  await rm(dir, { recursive: true, force: true });
}

interface Measured {
  sorted: number[];
  byKind: Map<string, number[]>;
}

/** Warm-up round, then LOOKUPS timed lookups from the mix, following cursors as each kind says. */
async function measure(lookup: (query: string) => Promise<{ nextCursor: string | null; ms?: number }>): Promise<Measured> {
  const timed = async (query: string): Promise<{ ms: number; page: { nextCursor: string | null } }> => {
    const started = performance.now();
    const page = await lookup(query);
    return { ms: page.ms ?? performance.now() - started, page };
  };
  for (const l of LOOKUP_MIX) await timed(l.query());
  const all: number[] = [];
  const byKind = new Map<string, number[]>();
  while (all.length < LOOKUPS) {
    const kind = pick(LOOKUP_MIX);
    const query = kind.query();
    const times = byKind.get(kind.name) ?? [];
    byKind.set(kind.name, times);
    let { ms, page } = await timed(query);
    for (let p = 0; ; p++) {
      all.push(ms);
      times.push(ms);
      if (p >= kind.pages || page.nextCursor === null) break;
      ({ ms, page } = await timed(`${query}&cursor=${page.nextCursor}`));
    }
  }
  return { sorted: all.sort((a, b) => a - b), byKind };
}

