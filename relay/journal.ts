import { readdir, readFile, rm, stat } from "node:fs/promises";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { z } from "zod";
import { StepResult } from "../schema/steps";
import { SecretName } from "../schema/steps-k0s";
import { appendDurable, ensureDir, writeFileAtomic } from "./durable-file";
import { ACTIVE_WINDOW_MS, DEFAULT_JOURNAL_LIMITS, isActive, planPrune, type JournalLimits, type RunFiles } from "./journal-pruning";

/**
 * The relay's memory across reconnects and restarts, in `<stateDir>`:
 * - `journal/<run>.jsonl`: finished step results, one fsync'd JSON line each,
 *   so a step delivered twice runs once (the second delivery is answered here);
 * - `secrets/<run>.json` (0600): values that must not leave the private
 *   network, such as join tokens. Secret values are never logged.
 * Both are pruned by age and size (journal-pruning.ts), never while the run
 * is active.
 */

const JournalLine = z.object({ stepId: z.string(), at: z.number(), result: StepResult });
const SecretsFile = z.record(z.string(), z.string());

interface PendingLine {
  line: string;
  stepId: string;
  result: StepResult;
  resolve(): void;
  reject(err: unknown): void;
}

/** Runs whose results stay parsed in memory; older ones are read from disk again when asked. */
const CACHED_RUNS = 64;

/** A file name for a run id that any API-chosen string maps to safely and uniquely. */
export function runFileName(runId: string): string {
  const readable = runId.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 60);
  const hash = createHash("sha256").update(runId).digest("hex").slice(0, 12);
  return `${readable}-${hash}`;
}

const isMissing = (err: unknown) => err instanceof Error && "code" in err && err.code === "ENOENT";

export interface PruneReport {
  runs: number;
  secrets: number;
  /** journal/ + secrets/ after pruning. */
  bytes: number;
  /** Above the size limit only because active runs hold that much. */
  overLimit: boolean;
}

export class Journal {
  // Keyed by runFileName: the name on disk is the one identity pruning can see.
  private readonly runs = new Map<string, Map<string, StepResult>>();
  // Appends, rewrites and removals for one run's file are serialized so lines never interleave.
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly lastTouch = new Map<string, number>();
  private readonly holds = new Map<string, number>();
  // Results waiting for their run's next journal write (see record).
  private readonly pendingLines = new Map<string, PendingLine[]>();

  private constructor(
    private readonly dir: string,
    readonly limits: JournalLimits,
  ) {}

  static async open(stateDir: string, limits: JournalLimits = DEFAULT_JOURNAL_LIMITS): Promise<Journal> {
    await ensureDir(join(stateDir, "journal"));
    await ensureDir(join(stateDir, "secrets"));
    return new Journal(stateDir, limits);
  }

  private journalPath(base: string): string {
    return join(this.dir, "journal", `${base}.jsonl`);
  }

  private secretsPath(base: string): string {
    return join(this.dir, "secrets", `${base}.json`);
  }

  private touch(runId: string): string {
    const base = runFileName(runId);
    this.lastTouch.set(base, Date.now());
    return base;
  }

  /** Marks a step of the run as executing until the returned release is called: its files are not pruned meanwhile. */
  hold(runId: string): () => void {
    const base = this.touch(runId);
    this.holds.set(base, (this.holds.get(base) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.touch(runId);
      const left = (this.holds.get(base) ?? 1) - 1;
      if (left > 0) this.holds.set(base, left);
      else this.holds.delete(base);
    };
  }

  private serialize<T>(key: string, task: () => Promise<T>): Promise<T> {
    const next = (this.chains.get(key) ?? Promise.resolve()).then(task, task);
    const settled = next.catch(() => undefined);
    this.chains.set(key, settled);
    // The chain map would otherwise keep one entry per run ever seen.
    void settled.then(() => {
      if (this.chains.get(key) === settled) this.chains.delete(key);
    });
    return next;
  }

  private async load(base: string): Promise<Map<string, StepResult>> {
    const cached = this.runs.get(base);
    if (cached) {
      // Most recently used last, so eviction takes the run least recently asked about.
      this.runs.delete(base);
      this.runs.set(base, cached);
      return cached;
    }
    const results = new Map<string, StepResult>();
    let text = "";
    try {
      text = await readFile(this.journalPath(base), "utf8");
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      // A line torn by a crash mid-write fails to parse and is skipped: that
      // step simply was not recorded as finished.
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        continue;
      }
      const parsed = JournalLine.safeParse(json);
      if (parsed.success) results.set(parsed.data.stepId, parsed.data.result);
    }
    this.runs.set(base, results);
    for (const old of this.runs.keys()) {
      if (this.runs.size <= CACHED_RUNS) break;
      this.runs.delete(old);
    }
    return results;
  }

  async get(runId: string, stepId: string): Promise<StepResult | undefined> {
    return (await this.load(this.touch(runId))).get(stepId);
  }

  /**
   * Appends the result and resolves once it is fsync'd. Results of one run
   * that arrive while an earlier write is on its way share the next write
   * and its one fsync (group commit): five hosts finishing a phase together
   * used to wait for five fsyncs in a row before the last result could leave.
   */
  record(runId: string, stepId: string, result: StepResult): Promise<void> {
    const base = this.touch(runId);
    const line = JSON.stringify({ stepId, at: Date.now(), result } satisfies z.input<typeof JournalLine>);
    return new Promise<void>((resolve, reject) => {
      const waiting = this.pendingLines.get(base);
      if (waiting) {
        waiting.push({ line, stepId, result, resolve, reject });
        return;
      }
      const batch: PendingLine[] = [{ line, stepId, result, resolve, reject }];
      this.pendingLines.set(base, batch);
      void this.serialize(`journal:${base}`, async () => {
        // From here on, new results wait for the next write.
        this.pendingLines.delete(base);
        try {
          const results = await this.load(base);
          await appendDurable(this.journalPath(base), batch.map((p) => `${p.line}\n`).join(""));
          for (const p of batch) results.set(p.stepId, p.result);
        } catch (err) {
          for (const p of batch) p.reject(err);
          return;
        }
        for (const p of batch) p.resolve();
      });
    });
  }

  private async readSecrets(base: string, runId: string): Promise<Record<string, string>> {
    let text: string;
    try {
      text = await readFile(this.secretsPath(base), "utf8");
    } catch (err) {
      if (isMissing(err)) return {};
      throw err;
    }
    const parsed = SecretsFile.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error(`secrets file for run ${runId} is corrupt`);
    return parsed.data;
  }

  async putSecret(runId: string, name: string, value: string): Promise<void> {
    SecretName.parse(name);
    const base = this.touch(runId);
    await this.serialize(`secrets:${base}`, async () => {
      const secrets = await this.readSecrets(base, runId);
      secrets[name] = value;
      await writeFileAtomic(this.secretsPath(base), JSON.stringify(secrets), 0o600);
    });
  }

  /** Forgets a secret (a join token once invalidated); forgetting a missing one is fine. */
  async deleteSecret(runId: string, name: string): Promise<void> {
    SecretName.parse(name);
    const base = this.touch(runId);
    await this.serialize(`secrets:${base}`, async () => {
      const secrets = await this.readSecrets(base, runId);
      if (!(name in secrets)) return;
      delete secrets[name];
      await writeFileAtomic(this.secretsPath(base), JSON.stringify(secrets), 0o600);
    });
  }

  async getSecret(runId: string, name: string): Promise<string | undefined> {
    SecretName.parse(name);
    const base = this.touch(runId);
    return this.serialize(`secrets:${base}`, async () => (await this.readSecrets(base, runId))[name]);
  }

  /** What is on disk, one entry per run, with its last activity. */
  private async scan(now: number): Promise<RunFiles[]> {
    const found = new Map<string, RunFiles>();
    const entry = (base: string): RunFiles => {
      let run = found.get(base);
      if (!run) {
        run = { base, journalBytes: 0, lastActive: this.lastTouch.get(base) ?? 0, held: this.holds.has(base) };
        found.set(base, run);
      }
      return run;
    };
    for (const [folder, ext] of [["journal", ".jsonl"], ["secrets", ".json"]] as const) {
      for (const name of await readdir(join(this.dir, folder))) {
        const path = join(this.dir, folder, name);
        const st = await stat(path).catch(() => undefined);
        if (!st?.isFile()) continue;
        // A temp file left by a crash during writeFileAtomic; the rename never happened.
        if (name.includes(".tmp-")) {
          if (now - st.mtimeMs > ACTIVE_WINDOW_MS) await rm(path, { force: true });
          continue;
        }
        if (!name.endsWith(ext)) continue;
        const run = entry(name.slice(0, -ext.length));
        if (ext === ".jsonl") run.journalBytes = st.size;
        else run.secretsBytes = st.size;
        run.lastActive = Math.max(run.lastActive, st.mtimeMs);
      }
    }
    return [...found.values()];
  }

  /** Removes what the limits allow (see journal-pruning.ts); an active run is never touched. */
  async prune(now = Date.now()): Promise<PruneReport> {
    const runs = await this.scan(now);
    const plan = planPrune(runs, this.limits, now);
    const still = (base: string) => !isActive({ base, journalBytes: 0, lastActive: this.lastTouch.get(base) ?? 0, held: this.holds.has(base) }, now);
    let removedRuns = 0;
    let removedSecrets = 0;
    for (const base of plan.removeRuns) {
      // Re-checked inside each file's chain: a step may have arrived since the scan.
      const gone = await this.serialize(`journal:${base}`, async () => {
        if (!still(base)) return false;
        await rm(this.journalPath(base), { force: true });
        this.runs.delete(base);
        return true;
      });
      if (!gone) continue;
      await this.serialize(`secrets:${base}`, async () => {
        if (still(base)) await rm(this.secretsPath(base), { force: true });
      });
      removedRuns++;
    }
    for (const base of plan.removeSecrets) {
      const gone = await this.serialize(`secrets:${base}`, async () => {
        if (!still(base)) return false;
        await rm(this.secretsPath(base), { force: true });
        return true;
      });
      if (gone) removedSecrets++;
    }
    // Touches older than every limit say nothing a file's mtime would not.
    for (const [base, at] of this.lastTouch) if (now - at > this.limits.maxAgeMs && !this.holds.has(base)) this.lastTouch.delete(base);
    return { runs: removedRuns, secrets: removedSecrets, bytes: plan.bytesAfter, overLimit: plan.bytesAfter > this.limits.maxBytes };
  }
}
