import { generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditCheckpoint } from "../../schema/audit-api";
import { checkpointMessage } from "../../schema/audit-hash";
import { freePort } from "../../scripts/local/free-port";
import { startLocalApi, type LocalApi } from "../../scripts/local/local-api";
import { keel } from "./keel-process";

// The real API (wrangler dev, workerd, local D1) writes the export that `keel audit verify` checks.

function ed25519(): { secret: string; publicKey: string; sign(message: Uint8Array): string } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const spki = publicKey.export({ format: "der", type: "spki" });
  return {
    secret: privateKey.export({ format: "der", type: "pkcs8" }).toString("base64"),
    publicKey: spki.subarray(12).toString("base64"),
    sign: (message) => sign(null, message, privateKey).toString("base64"),
  };
}

const key = ed25519();
let api: LocalApi;
let dir = "";
let env: Record<string, string> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "keel-audit-cli-"));
  api = await startLocalApi({ port: await freePort(), persistTo: join(dir, "state"), adminToken: `keel_admin_${randomBytes(18).toString("base64url")}`, vars: { AUDIT_SIGNING_KEY: key.secret } });
  env = { KEEL_API_URL: api.url, KEEL_TOKEN: api.adminToken };
  const post = (path: string, body: unknown) => fetch(`${api.url}${path}`, { method: "POST", headers: { Authorization: `Bearer ${api.adminToken}`, "Content-Type": "application/json" }, body: JSON.stringify(body) });
  for (const name of ["ci", "alice", "bob"]) expect((await post("/v1/tokens", { name, role: "viewer" })).status).toBe(201);
  expect((await post("/v1/relays", { name: "dc1-relay", site: "dc1" })).status).toBe(201);
  expect((await post("/v1/tokens", { name: "Not_Valid", role: "viewer" })).status).toBe(400);
}, 180_000);

afterAll(async () => {
  await api?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function exportTo(format: "ndjson" | "csv"): Promise<{ file: string; checkpoint: string }> {
  const file = join(dir, `export.${format}`);
  const checkpoint = join(dir, `checkpoint-${format}.json`);
  const run = await keel(["audit", "export", "--format", format, "--out", file, "--checkpoint", checkpoint], { env });
  expect(run.code, run.stderr).toBe(0);
  return { file, checkpoint };
}

describe("keel audit", { timeout: 120_000 }, () => {
  it("prints the history as a table, filtered, and as JSON", async () => {
    const table = await keel(["audit"], { env });
    expect(table.code, table.stderr).toBe(0);
    const [head, ...rows] = table.stdout.trim().split("\n");
    expect(head).toMatch(/^TIME\s+ACTOR\s+ACTION\s+CLUSTER\s+OUTCOME\s+RUN$/);
    expect(rows).toHaveLength(5);
    expect(rows[0]).toMatch(/^\d{4}-\d\d-\d\dT\S+Z\s+bootstrap\s+token\.create\s+-\s+failed\s+-$/);

    const created = await keel(["audit", "--action", "token.create", "--outcome", "ok", "--json"], { env });
    expect(created.code, created.stderr).toBe(0);
    expect((JSON.parse(created.stdout) as { entries: { details: { name: string } }[] }).entries.map((e) => e.details.name)).toEqual(["bob", "alice", "ci"]);

    const paged = await keel(["audit", "--limit", "2", "--all"], { env });
    expect(paged.stdout.trim().split("\n").slice(1)).toEqual(rows);
    const first = await keel(["audit", "--limit", "2"], { env });
    expect(first.stderr).toContain("--all");

    const bad = await keel(["audit", "--since", "yesterday"], { env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("since");
  });

  it("verifies a real export, NDJSON and CSV, against a saved checkpoint and the pinned key", async () => {
    for (const format of ["ndjson", "csv"] as const) {
      const { file, checkpoint } = await exportTo(format);
      const run = await keel(["audit", "verify", "--file", file, "--checkpoint", checkpoint, "--public-key", key.publicKey], { env: {} });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain("ok: 5 entries (seq 1..5)");
      expect(run.stdout).toContain("checkpoint seq 5");
      expect(run.stderr).not.toContain("WARNING");
    }
  });

  it("fetches a checkpoint for the export's last entry when none is given, and warns loudly without a pinned key", async () => {
    const { file } = await exportTo("ndjson");
    const pinned = await keel(["audit", "verify", "--file", file], { env: { ...env, KEEL_AUDIT_PUBLIC_KEY: key.publicKey } });
    expect(pinned.code, pinned.stderr).toBe(0);
    expect(pinned.stderr).not.toContain("WARNING");
    const unpinned = await keel(["audit", "verify", "--file", file], { env });
    expect(unpinned.code, unpinned.stderr).toBe(0);
    expect(unpinned.stderr).toContain("WARNING: no pinned public key");
  });

  it("names the first bad entry when one field of one line was edited", async () => {
    const { file, checkpoint } = await exportTo("ndjson");
    const lines = (await readFile(file, "utf8")).split("\n");
    const edited = JSON.parse(lines[2] ?? "") as { seq: number; details: { name: string } };
    expect(edited.seq).toBe(3);
    edited.details.name = "mallory";
    lines[2] = JSON.stringify(edited);
    await writeFile(file, lines.join("\n"));
    const run = await keel(["audit", "verify", "--file", file, "--checkpoint", checkpoint, "--public-key", key.publicKey], { env: {} });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("NOT VERIFIED: seq 3 (line 3): hash does not match the entry's content");

    const csv = await exportTo("csv");
    const text = await readFile(csv.file, "utf8");
    expect(text).toContain(',"dc1-relay",');
    await writeFile(csv.file, text.replace(',"dc1-relay",', ',"dc2-relay",'));
    const csvRun = await keel(["audit", "verify", "--file", csv.file, "--checkpoint", csv.checkpoint, "--public-key", key.publicKey], { env: {} });
    expect(csvRun.code).toBe(1);
    expect(csvRun.stderr).toContain("NOT VERIFIED: seq 4 (line 5)");
  });

  it("refuses a forged checkpoint", async () => {
    const { file, checkpoint } = await exportTo("ndjson");
    const real = AuditCheckpoint.parse(JSON.parse(await readFile(checkpoint, "utf8")));
    const verify = async (forged: AuditCheckpoint) => {
      const path = join(dir, "forged.json");
      await writeFile(path, JSON.stringify(forged));
      return keel(["audit", "verify", "--file", file, "--checkpoint", path, "--public-key", key.publicKey], { env: {} });
    };
    // The real signature over another head.
    const moved = await verify({ ...real, seq: 2 });
    expect(moved.code).toBe(1);
    expect(moved.stderr).toContain("signature does not verify");
    // Signed by someone else's key, naming that key: the pinned key refuses it.
    const attacker = ed25519();
    const other = await verify({ ...real, publicKey: attacker.publicKey, signature: attacker.sign(checkpointMessage(real)) });
    expect(other.code).toBe(1);
    expect(other.stderr).toContain("signature does not verify");
    // A genuine checkpoint whose hash the export does not hold.
    const lines = (await readFile(file, "utf8")).trim().split("\n");
    await writeFile(file, `${lines.slice(0, 4).join("\n")}\n`);
    const short = await verify(real);
    expect(short.code).toBe(1);
    expect(short.stderr).toContain("checkpoint's seq 5 is not in the export (seq 1..4)");
  });

  it("is a usage error (2) without --file or with a key that is none", async () => {
    expect((await keel(["audit", "verify"], { env })).code).toBe(2);
    const badKey = await keel(["audit", "verify", "--file", "x.ndjson", "--public-key", "bm9wZQ"], { env });
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toContain("--public-key");
  });
});
