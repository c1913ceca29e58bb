import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { AuditCheckpoint, AuditPublicKey, type AuditEntryView } from "../../schema/audit-api";
import { checkpointMessage, entryHash } from "../../schema/audit-hash";
import { parseAuditExport, type AuditExportEntry } from "../../schema/audit-export";
import { KeelError } from "../../schema/errors";
import { signCheckpoint } from "../../worker/services/audit/checkpoint";
import { EXPORT_CHUNK_ROWS } from "../../worker/services/audit/export";
import { ERROR_STATUS } from "../../worker/http/errors";
import { seedEntries } from "./audit-history";
import { call, mintToken } from "./helpers";

const NOW = Date.now();
let viewer = "";

/** Fields that break naive CSV and JSON writers. */
const AWKWARD = { note: 'comma, "quote", newline\nand =SUM(A1)', nested: { list: [1, "two", null] }, unicode: "ünïcödé ✓" };

beforeAll(async () => {
  viewer = (await mintToken("viewer")).token;
  await seedEntries([
    { at: NOW - 5000, action: "test.export.awkward", cluster: "gamma", target: 'a "quoted", target', details: AWKWARD },
    { at: NOW - 4000, action: "test.export.empty", cluster: "gamma", target: "", details: {} },
    { at: NOW - 3000, action: "test.export.null", cluster: null, target: null, details: null },
  ]);
  // More than one chunk, so the stream pages through D1.
  await seedEntries(Array.from({ length: EXPORT_CHUNK_ROWS + 150 }, (_, i) => ({ at: NOW - 2000 + Math.floor(i / 10), action: "test.export.bulk", cluster: i % 2 === 0 ? "gamma" : "delta", details: { i } })));
});

async function exportText(query: string): Promise<{ text: string; headers: Headers }> {
  // Read as bytes: workerd warns when .text() meets a content type it does not know as text.
  const res = await exports.default.fetch(new Request(`https://keel.test/v1/audit?${query}`, { headers: { Authorization: `Bearer ${viewer}` } }));
  const text = new TextDecoder().decode(await res.arrayBuffer());
  expect(res.status, text.slice(0, 500)).toBe(200);
  return { text, headers: res.headers };
}

function entriesOf(text: string): AuditExportEntry[] {
  return parseAuditExport(text).map((line) => {
    if (!line.ok) throw new Error(`line ${line.line}: ${line.error}`);
    return line.entry;
  });
}

async function tableRows(where = "1 = 1"): Promise<AuditEntryView[]> {
  const { results } = await env.DB.prepare(`SELECT seq, at, actor, action, cluster, target, outcome, details, prev_hash AS prevHash, hash FROM audit_log WHERE ${where} ORDER BY at, seq`).all<AuditEntryView & { details: string | null }>();
  return results.map((r) => ({ ...r, details: r.details === null ? null : (JSON.parse(r.details as string) as Record<string, unknown>) }));
}

const hashed = ({ seq, at, actor, action, cluster, target, outcome, details, prevHash, hash }: AuditEntryView) => ({ seq, at, actor, action, cluster, target, outcome, details, prevHash, hash });

describe("GET /v1/audit?format=", () => {
  it("ndjson: the whole log oldest first, every line recomputing to its hash, as a download", async () => {
    const { text, headers } = await exportText("format=ndjson");
    expect(headers.get("content-type")).toMatch(/^application\/x-ndjson/);
    expect(headers.get("content-disposition")).toMatch(/^attachment; filename="keel-audit-[0-9TZ-]+\.ndjson"$/);
    const entries = entriesOf(text);
    expect(entries.map(hashed)).toEqual((await tableRows()).map(hashed));
    for (const e of entries) expect(await entryHash(e.prevHash, e), `seq ${e.seq}`).toBe(e.hash);
    expect(entries.find((e) => e.action === "test.export.awkward")?.details).toEqual(AWKWARD);
  });

  it("csv: quoted and escaped, null apart from empty, and parses back to the NDJSON entries", async () => {
    const { text, headers } = await exportText("format=csv");
    expect(headers.get("content-type")).toMatch(/^text\/csv/);
    expect(headers.get("content-disposition")).toMatch(/\.csv"$/);
    expect(text.split("\r\n")[0]).toBe("seq,time,at,actor,action,cluster,target,outcome,details,prevHash,hash");
    expect(text).toContain('"a ""quoted"", target"');
    const csv = entriesOf(text);
    expect(csv).toEqual(entriesOf((await exportText("format=ndjson")).text));
    expect(csv.find((e) => e.action === "test.export.empty")).toMatchObject({ target: "", details: {} });
    expect(csv.find((e) => e.action === "test.export.null")).toMatchObject({ cluster: null, target: null, details: null });
  });

  it("takes the same filters as a lookup", async () => {
    const since = new Date(NOW - 1990).toISOString();
    const { text } = await exportText(`format=ndjson&cluster=delta&action=test.export.bulk&since=${since}`);
    const expected = await tableRows(`cluster = 'delta' AND action = 'test.export.bulk' AND at >= ${Date.parse(since)}`);
    expect(expected.length).toBeGreaterThan(10);
    expect(entriesOf(text).map((e) => e.seq)).toEqual(expected.map((e) => e.seq));
    expect((await exportText("format=csv&cluster=nowhere")).text).toBe("seq,time,at,actor,action,cluster,target,outcome,details,prevHash,hash\r\n");
    const paged = await call("GET", "/v1/audit?format=csv&cursor=e30");
    expect(paged.status).toBe(400);
  });
});

describe("GET /v1/audit/checkpoint", () => {
  it("signs the chain head with the key GET /v1/audit/public-key shows", async () => {
    const res = await call("GET", "/v1/audit/checkpoint", { token: viewer });
    expect(res.status, res.text).toBe(200);
    const checkpoint = AuditCheckpoint.parse(res.json);
    const head = await env.DB.prepare("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").first<{ seq: number; hash: string }>();
    expect(checkpoint).toMatchObject({ seq: head?.seq, hash: head?.hash });

    const published = AuditPublicKey.parse((await call("GET", "/v1/audit/public-key", { token: viewer })).json);
    expect(published.publicKey).toBe(checkpoint.publicKey);
    const bytes = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const key = await crypto.subtle.importKey("raw", bytes(published.publicKey), { name: "Ed25519" }, false, ["verify"]);
    expect(await crypto.subtle.verify("Ed25519", key, bytes(checkpoint.signature), checkpointMessage(checkpoint))).toBe(true);
    // Another head, or another time, is not what was signed.
    expect(await crypto.subtle.verify("Ed25519", key, bytes(checkpoint.signature), checkpointMessage({ ...checkpoint, seq: checkpoint.seq - 1 }))).toBe(false);
    const pem = published.pem.replace(/-----(BEGIN|END) PUBLIC KEY-----|\s/g, "");
    await expect(crypto.subtle.importKey("spki", bytes(pem), { name: "Ed25519" }, false, ["verify"])).resolves.toBeDefined();
  });

  it("signs an older entry with ?seq= (an export's last entry), and names a seq it does not have", async () => {
    const entry = await env.DB.prepare("SELECT seq, hash FROM audit_log WHERE seq = 3").first<{ seq: number; hash: string }>();
    const res = await call("GET", "/v1/audit/checkpoint?seq=3", { token: viewer });
    expect(res.status, res.text).toBe(200);
    expect(AuditCheckpoint.parse(res.json)).toMatchObject({ seq: 3, hash: entry?.hash });
    expect((await call("GET", "/v1/audit/checkpoint?seq=99999999")).status).toBe(404);
    const bad = await call("GET", "/v1/audit/checkpoint?seq=x");
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('"path":"seq"');
  });

  it("is a 503 naming AUDIT_SIGNING_KEY when the secret is unset or not a key, never echoing it", async () => {
    for (const secret of [undefined, "", "bm90IGEga2V5"]) {
      const failure = await signCheckpoint(env.DB, secret).then(
        () => null,
        (err: unknown) => err,
      );
      expect(failure).toBeInstanceOf(KeelError);
      if (!(failure instanceof KeelError)) continue;
      expect(ERROR_STATUS[failure.code]).toBe(503);
      expect(failure.message).toContain("AUDIT_SIGNING_KEY");
      if (secret) expect(failure.message).not.toContain(secret);
    }
  });
});
