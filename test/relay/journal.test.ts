import { readFile, readdir, stat, utimes } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Journal, runFileName } from "../../relay/journal";
import type { StepResult } from "../../schema/steps";
import { tempDir } from "./helpers";

const RESULT: StepResult = { ok: true, exitCode: 0, stdout: "out", stderr: "", durationMs: 5 };

describe("journal", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir("keel-journal-");
  });
  afterAll(() => dir.remove());

  it("keeps results across reopen, keyed by (runId, stepId)", async () => {
    const j1 = await Journal.open(dir.path);
    await j1.record("run/1 ../x", "s1", RESULT);
    await j1.record("run/1 ../x", "s2", { ...RESULT, ok: false, exitCode: 2 });
    expect(await j1.get("run/1 ../x", "s1")).toEqual(RESULT);
    expect(await j1.get("run-2", "s1")).toBeUndefined();

    const j2 = await Journal.open(dir.path);
    expect(await j2.get("run/1 ../x", "s2")).toMatchObject({ ok: false, exitCode: 2 });
    // The run id is encoded into a plain file name inside journal/.
    const files = await readdir(join(dir.path, "journal"));
    expect(files.every((f) => /^[A-Za-z0-9._-]+\.jsonl$/.test(f))).toBe(true);
  });

  it("records results that arrive together (one shared write), each on its own line, each resolved once written", async () => {
    const j = await Journal.open(dir.path);
    const ids = Array.from({ length: 12 }, (_, i) => `step-${i}`);
    await Promise.all(ids.map((id, i) => j.record("together", id, { ...RESULT, exitCode: i })));
    const reopened = await Journal.open(dir.path);
    for (const [i, id] of ids.entries()) expect(await reopened.get("together", id)).toMatchObject({ exitCode: i });
    const [file] = (await readdir(join(dir.path, "journal"))).filter((f) => f.startsWith("together-"));
    if (!file) throw new Error("no journal file");
    expect((await readFile(join(dir.path, "journal", file), "utf8")).trim().split("\n")).toHaveLength(12);
  });

  it("skips a torn last line", async () => {
    const j = await Journal.open(dir.path);
    await j.record("torn", "a", RESULT);
    const [file] = (await readdir(join(dir.path, "journal"))).filter((f) => f.startsWith("torn-"));
    if (!file) throw new Error("no journal file");
    const { appendFile } = await import("node:fs/promises");
    await appendFile(join(dir.path, "journal", file), '{"stepId":"b","at":1,"res');
    const reopened = await Journal.open(dir.path);
    expect(await reopened.get("torn", "a")).toEqual(RESULT);
    expect(await reopened.get("torn", "b")).toBeUndefined();
  });

  it("stores secrets in 0600 files and reads them back", async () => {
    const j = await Journal.open(dir.path);
    await j.putSecret("run-s", "worker-token", "H4sIAAAA-secret");
    await j.putSecret("run-s", "controller-token", "other");
    expect(await (await Journal.open(dir.path)).getSecret("run-s", "worker-token")).toBe("H4sIAAAA-secret");
    expect(await j.getSecret("run-s", "missing")).toBeUndefined();
    const [file] = await readdir(join(dir.path, "secrets"));
    if (!file) throw new Error("no secrets file");
    expect((await stat(join(dir.path, "secrets", file))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir.path, "secrets"))).mode & 0o777).toBe(0o700);
    expect(await readFile(join(dir.path, "secrets", file), "utf8")).toContain("worker-token");
    await expect(j.putSecret("run-s", "../escape", "x")).rejects.toThrow();
  });
});

describe("journal pruning (real files)", () => {
  const HOUR = 3600_000;
  const DAY = 24 * HOUR;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => {
    dir = await tempDir("keel-journal-prune-");
  });
  afterEach(() => dir.remove());

  const files = async (folder: "journal" | "secrets") => (await readdir(join(dir.path, folder))).sort();
  // Ages a run's files as if its last activity was `ms` ago.
  const age = async (runId: string, ms: number) => {
    const when = new Date(Date.now() - ms);
    for (const [folder, ext] of [["journal", ".jsonl"], ["secrets", ".json"]] as const) {
      await utimes(join(dir.path, folder, `${runFileName(runId)}${ext}`), when, when).catch(() => undefined);
    }
  };

  it("removes runs idle past maxAge, and leftover secrets sooner, never a run active within 6 hours", async () => {
    const writer = await Journal.open(dir.path);
    for (const run of ["old", "quiet", "recent"]) {
      await writer.record(run, "s1", RESULT);
      await writer.putSecret(run, "join-token", `token-of-${run}`);
    }
    await age("old", 8 * DAY);
    await age("quiet", 2 * DAY);
    await age("recent", 5 * HOUR);

    // A fresh process: activity comes from the files alone.
    const j = await Journal.open(dir.path);
    const report = await j.prune();
    expect(report).toMatchObject({ runs: 1, secrets: 1, overLimit: false });
    expect(await files("journal")).toEqual([`${runFileName("quiet")}.jsonl`, `${runFileName("recent")}.jsonl`].sort());
    expect(await files("secrets")).toEqual([`${runFileName("recent")}.json`]);
    expect(await j.get("old", "s1")).toBeUndefined();
    expect(await j.get("quiet", "s1")).toEqual(RESULT);
    expect(await j.getSecret("recent", "join-token")).toBe("token-of-recent");
  });

  it("keeps a run with a step in flight, and one touched in memory since its files were written", async () => {
    const writer = await Journal.open(dir.path);
    for (const run of ["running", "read-lately", "idle"]) await writer.putSecret(run, "t", run);
    for (const run of ["running", "read-lately", "idle"]) await age(run, 30 * DAY);
    const j = await Journal.open(dir.path);
    const release = j.hold("running");
    // Reading a secret is activity too: a later step of that run is about to need it.
    expect(await j.getSecret("read-lately", "t")).toBe("read-lately");
    expect(await j.prune()).toMatchObject({ runs: 1 });
    expect(await files("secrets")).toEqual([`${runFileName("read-lately")}.json`, `${runFileName("running")}.json`].sort());
    release();
    expect(await j.prune(Date.now() + 8 * DAY)).toMatchObject({ runs: 2 });
    expect(await files("secrets")).toEqual([]);
  });

  it("bounds the total size by removing the longest-idle runs first, never active ones", async () => {
    const j = await Journal.open(dir.path, { maxAgeMs: 365 * DAY, secretsMaxAgeMs: 365 * DAY, maxBytes: 2500 });
    const big: StepResult = { ...RESULT, stdout: "x".repeat(900) };
    for (const run of ["a", "b", "c", "d", "e"]) await j.record(run, "s", big);
    await age("a", 10 * DAY);
    await age("b", 9 * DAY);
    await age("c", 8 * DAY);
    await age("d", 7 * DAY);
    // e was just written: active, kept whatever the size.
    const fresh = await Journal.open(dir.path, j.limits);
    const report = await fresh.prune();
    expect(report.bytes).toBeLessThanOrEqual(2500);
    expect(await files("journal")).toEqual([`${runFileName("d")}.jsonl`, `${runFileName("e")}.jsonl`].sort());

    const tight = await Journal.open(dir.path, { ...j.limits, maxBytes: 100 });
    expect(await tight.prune()).toMatchObject({ overLimit: true });
    expect(await files("journal")).toEqual([`${runFileName("e")}.jsonl`]);
  });

  it("keeps at most a bounded number of runs parsed in memory, reading evicted ones back from disk", async () => {
    const j = await Journal.open(dir.path);
    for (let i = 0; i < 100; i++) await j.record(`run-${i}`, "s", { ...RESULT, stdout: String(i) });
    for (let i = 0; i < 100; i++) expect((await j.get(`run-${i}`, "s"))?.stdout).toBe(String(i));
  });
});
