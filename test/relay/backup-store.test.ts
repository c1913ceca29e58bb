import { randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, open, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BackupStore, readBackupKey } from "../../relay/backups/backup-store";
import { resolveRelayConfig } from "../../relay/config";

let root: string;
let archive: Buffer;

/** A tar.gz laid out as k0s backup lays it out, made with the real tar. */
async function k0sArchive(members: Record<string, string>): Promise<Buffer> {
  const dir = await mkdtemp(join(root, "archive-"));
  for (const [name, text] of Object.entries(members)) {
    await mkdir(join(dir, name, ".."), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  const top = [...new Set(Object.keys(members).map((m) => m.split("/")[0] ?? m))];
  return execFileSync("tar", ["-czf", "-", "-C", dir, ...top]);
}

const store = (keep = 3, key = randomBytes(32)) => new BackupStore(join(root, "store"), key, keep);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "keel-backup-store-"));
  archive = await k0sArchive({ "etcd-snapshot.db": "snapshot", "pki/ca.key": "-----BEGIN PRIVATE KEY----- secret", "pki/ca.crt": "cert", "manifests/x/a.yaml": "a: 1", "k0s.yaml": "kind: ClusterConfig" });
});
afterAll(async () => rm(root, { recursive: true, force: true }));

describe("relay backup store", () => {
  it("encrypts at rest and decrypts to the same bytes, verified with what the archive holds", async () => {
    const s = store();
    const stored = await s.write("c1", "b1", Readable.from([archive.subarray(0, 100), archive.subarray(100)]), 1);
    expect(stored.size).toBe(archive.length);
    const onDisk = await readFile(join(s.dir, "c1", "b1.kbk"));
    expect(onDisk.subarray(0, 2).equals(Buffer.from([0x1f, 0x8b]))).toBe(false);
    expect(onDisk.includes(Buffer.from("BEGIN PRIVATE KEY"))).toBe(false);
    expect((await buffer(await s.open("c1", "b1"))).equals(archive)).toBe(true);
    expect(await s.verify("c1", "b1", stored.sha256)).toEqual({ ok: true, contents: { storage: "etcd", pki: true, manifests: true, images: false, config: true } });
  });

  it("detects a changed byte, a truncation, another key and a file moved to another backup's name", async () => {
    const s = store();
    const stored = await s.write("c2", "b2", Readable.from([archive]), 1);
    const file = join(s.dir, "c2", "b2.kbk");
    const original = await readFile(file);
    const flipped = Buffer.from(original);
    flipped[40] = (flipped[40] ?? 0) ^ 1;
    await writeFile(file, flipped);
    expect(await s.verify("c2", "b2", stored.sha256)).toMatchObject({ ok: false, error: expect.stringMatching(/failed authentication|not a readable tar\.gz/) });
    await writeFile(file, original.subarray(0, original.length - 5));
    expect((await s.verify("c2", "b2", stored.sha256)).ok).toBe(false);
    await writeFile(file, original);
    expect((await s.verify("c2", "b2", stored.sha256)).ok).toBe(true);
    const other = new BackupStore(s.dir, randomBytes(32), 3);
    expect((await other.verify("c2", "b2", stored.sha256)).ok).toBe(false);
    await writeFile(join(s.dir, "c2", "b3.kbk"), original);
    expect(await s.verify("c2", "b3", stored.sha256)).toMatchObject({ ok: false, error: expect.stringMatching(/failed authentication/) });
  });

  it("refuses an archive without a storage snapshot, pki or k0s.yaml", async () => {
    const s = store();
    const partial = await k0sArchive({ "manifests/a.yaml": "a: 1", "k0s.yaml": "x" });
    const stored = await s.write("c3", "p1", Readable.from([partial]), 1);
    expect(await s.verify("c3", "p1", stored.sha256)).toMatchObject({ ok: false, error: expect.stringMatching(/lacks a storage snapshot .*, pki\//) });
    const kine = await k0sArchive({ "kine-state-backup.db": "db", "pki/ca.crt": "c", "k0s.yaml": "x" });
    const k = await s.write("c3", "k1", Readable.from([kine]), 2);
    expect(await s.verify("c3", "k1", k.sha256)).toMatchObject({ ok: true, contents: { storage: "kine" } });
    expect((await s.verify("c3", "k1", "0".repeat(64))).error).toMatch(/sha256/);
  });

  it("keeps the newest N backups of a cluster and deletes the rest", async () => {
    const s = store(2);
    for (const [id, at] of [["old", 1], ["mid", 2], ["new", 3]] as const) await s.write("c4", id, Readable.from([archive]), at);
    await s.write("c5", "other", Readable.from([archive]), 0);
    expect(await s.prune("c4")).toEqual(["old"]);
    expect((await readdir(join(s.dir, "c4"))).sort()).toEqual(["mid.json", "mid.kbk", "new.json", "new.kbk"]);
    expect((await s.list("c5")).map((b) => b.id)).toEqual(["other"]);
  });

  it("reads a 32-byte key only from a file its owner alone can read", async () => {
    const key = join(root, "key");
    await writeFile(key, randomBytes(32), { mode: 0o600 });
    expect((await readBackupKey(key)).length).toBe(32);
    await chmod(key, 0o644);
    await expect(readBackupKey(key)).rejects.toThrow(/readable by others/);
    await writeFile(join(root, "short"), "abc", { mode: 0o600 });
    await expect(readBackupKey(join(root, "short"))).rejects.toThrow(/must hold 32 bytes/);
    const fh = await open(join(root, "hex"), "w", 0o600);
    await fh.writeFile(randomBytes(32).toString("hex"));
    await fh.close();
    expect((await readBackupKey(join(root, "hex"))).length).toBe(32);
  });

  it("validates relay.yaml's backups block, naming the field", async () => {
    const base = { api: { url: "http://x", token: "12345678" }, site: "s", stateDir: "/tmp/s", policy: { allowedHosts: ["127.0.0.1"] } };
    await expect(resolveRelayConfig({ ...base, backups: { dir: "/b", keyFile: "/k", keep: 0 } })).rejects.toThrow(/backups\.keep/);
    await expect(resolveRelayConfig({ ...base, backups: { dir: "/b" } })).rejects.toThrow(/backups\.keyFile/);
    const cfg = await resolveRelayConfig({ ...base, backups: { dir: "b", keyFile: "k" } }, { baseDir: "/etc/keel" });
    expect(cfg.backups).toEqual({ dir: "/etc/keel/b", keyFile: "/etc/keel/k", keep: 7 });
  });
});
