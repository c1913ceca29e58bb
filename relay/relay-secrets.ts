import { readFile } from "node:fs/promises";
import { RELAY_SECRET_REF } from "../schema/relay-secret-ref";
import type { Step } from "../schema/steps";
import { failed, type StepOutcome } from "./steps/step-context";
import { StepFailure } from "./steps/step-failure";

/**
 * Secrets a spec names as `${relay:NAME}` and only the relay holds
 * (relay.yaml `secrets:`, a value or a file read at each use, so a rotated
 * file needs no restart). They are put into a step's fields just before it
 * runs, and taken out of whatever the step reports, so neither the API, its
 * database, the journal nor the relay's log ever holds a value
 * (docs/adr/0013-relay-held-secrets.md).
 */

export type RelaySecretSource = { value: string } | { file: string };

export class RelaySecrets {
  constructor(private readonly sources: Readonly<Record<string, RelaySecretSource>> = {}) {}

  /** The value of NAME; the failure names the reference, never a path or a value. */
  async read(name: string): Promise<string> {
    const source = Object.hasOwn(this.sources, name) ? this.sources[name] : undefined;
    const ref = `\${relay:${name}}`;
    if (source === undefined) throw new StepFailure(failed("invalid_step", `${ref}: this relay holds no secret ${name} (relay.yaml secrets:)`));
    if ("value" in source) return source.value;
    try {
      // A file's one trailing newline is the editor's, not the secret's.
      return (await readFile(source.file, "utf8")).replace(/\r?\n$/, "");
    } catch {
      throw new StepFailure(failed("invalid_step", `${ref}: the relay cannot read the file of secret ${name}`));
    }
  }
}

/** A step with its references filled in, and the values that went in (to be scrubbed from what it reports). */
export interface ResolvedStep {
  step: Step;
  values: { ref: string; value: string }[];
}

async function fill(text: string, secrets: RelaySecrets, values: ResolvedStep["values"], oneLine: boolean): Promise<string> {
  const refs = [...text.matchAll(RELAY_SECRET_REF)];
  if (refs.length === 0) return text;
  const byName = new Map<string, string>();
  for (const [ref, name = ""] of refs) {
    if (byName.has(name)) continue;
    const value = await secrets.read(name);
    if (oneLine && /[\r\n\0]/.test(value)) throw new StepFailure(failed("invalid_step", `${ref}: secret ${name} spans lines, and an environment value must be one line`));
    byName.set(name, value);
    if (value !== "" && !values.some((v) => v.ref === ref)) values.push({ ref, value });
  }
  return text.replace(RELAY_SECRET_REF, (_ref, name: string) => byName.get(name) ?? "");
}

async function fillDeep(value: unknown, secrets: RelaySecrets, values: ResolvedStep["values"]): Promise<unknown> {
  if (typeof value === "string") return fill(value, secrets, values, false);
  if (Array.isArray(value)) return Promise.all(value.map((v) => fillDeep(v, secrets, values)));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await fillDeep(v, secrets, values);
    return out;
  }
  return value;
}

/**
 * Fills references where a spec may hold them: anywhere in a k0s config
 * (kine dataSource, helm repository passwords, …), host environment values,
 * and inline file data. Elsewhere a reference stays text.
 */
export async function resolveRelaySecrets(step: Step, secrets: RelaySecrets): Promise<ResolvedStep> {
  const values: ResolvedStep["values"] = [];
  switch (step.kind) {
    case "k0s.config.write":
      return { step: { ...step, config: (await fillDeep(step.config, secrets, values)) as Record<string, unknown> }, values };
    case "k0s.install": {
      const environment: Record<string, string> = {};
      for (const [k, v] of Object.entries(step.environment)) environment[k] = await fill(v, secrets, values, true);
      return { step: { ...step, environment }, values };
    }
    case "file.upload":
      if (step.source.from !== "data") return { step, values };
      return { step: { ...step, source: { from: "data", data: await fill(step.source.data, secrets, values, false) } }, values };
    default:
      return { step, values };
  }
}

/** The outcome with every filled-in value put back as its reference. */
export function scrubSecrets(outcome: StepOutcome, values: ResolvedStep["values"]): StepOutcome {
  if (values.length === 0) return outcome;
  // Longest first, so a value containing another is replaced whole.
  const sorted = [...values].sort((a, b) => b.value.length - a.value.length);
  const scrub = (text: string) => sorted.reduce((t, { ref, value }) => t.split(value).join(ref), text);
  return {
    ...outcome,
    stdout: scrub(outcome.stdout),
    stderr: scrub(outcome.stderr),
    ...(outcome.command !== undefined ? { command: scrub(outcome.command) } : {}),
    ...(outcome.error ? { error: { ...outcome.error, message: scrub(outcome.error.message) } } : {}),
  };
}
