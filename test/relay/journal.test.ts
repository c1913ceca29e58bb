import { readFile, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Journal } from "../../relay/journal";
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
