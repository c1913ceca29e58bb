import { readFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { z } from "zod";
import { StepResult } from "../schema/steps";
import { SecretName } from "../schema/steps-k0s";
import { appendDurable, ensureDir, writeFileAtomic } from "./durable-file";

/**
 * The relay's memory across reconnects and restarts, in `<stateDir>`:
 * - `journal/<run>.jsonl`: finished step results, one fsync'd JSON line each,
 *   so a step delivered twice runs once (the second delivery is answered here);
 * - `secrets/<run>.json` (0600): values that must not leave the private
 *   network, such as join tokens. Secret values are never logged.
 */

const JournalLine = z.object({ stepId: z.string(), at: z.number(), result: StepResult });
const SecretsFile = z.record(z.string(), z.string());

/** A file name for a run id that any API-chosen string maps to safely and uniquely. */
function runFileName(runId: string): string {
  const readable = runId.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 60);
  const hash = createHash("sha256").update(runId).digest("hex").slice(0, 12);
  return `${readable}-${hash}`;
}

export class Journal {
  private readonly runs = new Map<string, Map<string, StepResult>>();
  // Appends and secret rewrites for one run are serialized so lines never interleave.
  private readonly chains = new Map<string, Promise<unknown>>();

  private constructor(private readonly dir: string) {}

  static async open(stateDir: string): Promise<Journal> {
    await ensureDir(join(stateDir, "journal"));
    await ensureDir(join(stateDir, "secrets"));
    return new Journal(stateDir);
  }

  private journalPath(runId: string): string {
    return join(this.dir, "journal", `${runFileName(runId)}.jsonl`);
  }

  private secretsPath(runId: string): string {
    return join(this.dir, "secrets", `${runFileName(runId)}.json`);
  }

  private serialize<T>(key: string, task: () => Promise<T>): Promise<T> {
    const next = (this.chains.get(key) ?? Promise.resolve()).then(task, task);
    this.chains.set(key, next.catch(() => undefined));
    return next;
  }

  private async load(runId: string): Promise<Map<string, StepResult>> {
    const cached = this.runs.get(runId);
    if (cached) return cached;
    const results = new Map<string, StepResult>();
    let text = "";
    try {
      text = await readFile(this.journalPath(runId), "utf8");
    } catch (err) {
      if (!(err instanceof Error && "code" in err && err.code === "ENOENT")) throw err;
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
    this.runs.set(runId, results);
    return results;
  }

  async get(runId: string, stepId: string): Promise<StepResult | undefined> {
    return (await this.load(runId)).get(stepId);
  }

  async record(runId: string, stepId: string, result: StepResult): Promise<void> {
    await this.serialize(`journal:${runId}`, async () => {
      const results = await this.load(runId);
      const line = JSON.stringify({ stepId, at: Date.now(), result } satisfies z.input<typeof JournalLine>);
      await appendDurable(this.journalPath(runId), `${line}\n`);
      results.set(stepId, result);
    });
  }

  private async readSecrets(runId: string): Promise<Record<string, string>> {
    let text: string;
    try {
      text = await readFile(this.secretsPath(runId), "utf8");
    } catch (err) {
      if (err instanceof Error && "code" in err && err.code === "ENOENT") return {};
      throw err;
    }
    const parsed = SecretsFile.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error(`secrets file for run ${runId} is corrupt`);
    return parsed.data;
  }

  async putSecret(runId: string, name: string, value: string): Promise<void> {
    SecretName.parse(name);
    await this.serialize(`secrets:${runId}`, async () => {
      const secrets = await this.readSecrets(runId);
      secrets[name] = value;
      await writeFileAtomic(this.secretsPath(runId), JSON.stringify(secrets), 0o600);
    });
  }

  /** Forgets a secret (a join token once invalidated); forgetting a missing one is fine. */
  async deleteSecret(runId: string, name: string): Promise<void> {
    SecretName.parse(name);
    await this.serialize(`secrets:${runId}`, async () => {
      const secrets = await this.readSecrets(runId);
      if (!(name in secrets)) return;
      delete secrets[name];
      await writeFileAtomic(this.secretsPath(runId), JSON.stringify(secrets), 0o600);
    });
  }

  async getSecret(runId: string, name: string): Promise<string | undefined> {
    SecretName.parse(name);
    return this.serialize(`secrets:${runId}`, async () => (await this.readSecrets(runId))[name]);
  }
}
