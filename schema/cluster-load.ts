import { ClusterSpec } from "./cluster";
import { assembleCluster, withoutNullFields, type SourceDocument } from "./cluster-documents";
import { formatPath, issuesFromZod, requiredFieldMessage, type SpecIssue } from "./cluster-issues";
import { clusterTextFields } from "./cluster-text-fields";
import { clusterWarnings } from "./cluster-warnings";
import { envsubst } from "./envsubst";
import { checkValueShape, findBinary, parseYamlDocuments } from "./yaml-safe";

/**
 * The one way into a ClusterSpec, shared by the worker (API bodies) and the
 * CLI (files): the same text gives the same spec or the same errors on both.
 * Nothing here throws on bad input; every problem comes back as a SpecIssue.
 */

export type { SpecIssue } from "./cluster-issues";

export type LoadResult = { ok: true; spec: ClusterSpec; warnings: SpecIssue[] } | { ok: false; errors: SpecIssue[] };

/** Largest k0sctl.yaml accepted, all texts together, before and after envsubst. */
export const MAX_SPEC_BYTES = 1024 * 1024;

/**
 * Parse one or more k0sctl.yaml texts (like k0sctl's repeated -c): envsubst,
 * multi-doc, anchors, validation. `env` feeds envsubst; variables it lacks
 * expand to "" (the worker passes none, the CLI its process environment).
 */
export function loadClusterYaml(texts: string | string[], env: Record<string, string | undefined> = {}): LoadResult {
  const inputs = typeof texts === "string" ? [texts] : texts;
  const tooBig = checkSize(inputs, "");
  if (tooBig) return fail("(input)", tooBig);

  const where = (i: number) => (inputs.length > 1 ? `file ${i + 1}` : "input");
  const expanded: string[] = [];
  for (const [i, raw] of inputs.entries()) {
    const binary = findBinary(raw);
    if (binary) return fail(`(${where(i)})`, binary);
    const substituted = envsubst(raw, env);
    if (!substituted.ok) return fail(`(${where(i)})`, `envsubst: ${substituted.message}`);
    expanded.push(substituted.text);
  }
  const grown = checkSize(expanded, " after variable substitution");
  if (grown) return fail("(input)", grown);

  const parsedDocs: SourceDocument[] = [];
  const yamlWarnings: SpecIssue[] = [];
  // Aliases may not make the files together larger than the texts may be.
  let budget = MAX_SPEC_BYTES;
  for (const [i, text] of expanded.entries()) {
    const parsed = parseYamlDocuments(text, { maxBytes: budget, keepText: clusterTextFields });
    if (!parsed.ok) return { ok: false, errors: parsed.errors.map((message) => ({ path: `(${where(i)})`, message: `YAML: ${message}` })) };
    budget -= parsed.bytes;
    for (const w of parsed.warnings) yamlWarnings.push({ path: `(${where(i)})`, message: `YAML: ${w}` });
    parsed.docs.forEach((value, d) => {
      const label = inputs.length > 1 ? `file ${i + 1}, document ${d + 1}` : `document ${d + 1}`;
      parsedDocs.push({ value, label });
    });
  }
  for (const doc of parsedDocs) {
    const problem = checkValueShape(doc.value);
    if (problem) return fail(problem.path.length > 0 ? formatPath(problem.path) : `(${doc.label})`, problem.message);
  }

  const assembled = assembleCluster(parsedDocs);
  if (!assembled.ok) return assembled;
  const result = validate(assembled.cluster);
  return result.ok ? { ...result, warnings: [...yamlWarnings, ...result.warnings] } : result;
}

/** Validate an already-parsed object (the JSON API body). */
export function validateClusterObject(value: unknown): LoadResult {
  const problem = checkValueShape(value);
  if (problem) return fail(formatPath(problem.path), problem.message);
  return validate(value);
}

function validate(value: unknown): LoadResult {
  const parsed = ClusterSpec.safeParse(withoutNullFields(value), { error: requiredFieldMessage });
  if (!parsed.success) return { ok: false, errors: issuesFromZod(parsed.error) };
  return { ok: true, spec: parsed.data, warnings: clusterWarnings(parsed.data) };
}

function checkSize(texts: string[], when: string): string | null {
  // UTF-8 never takes fewer bytes than UTF-16 code units, so length alone can refuse early.
  let units = 0;
  for (const t of texts) units += t.length;
  if (units > MAX_SPEC_BYTES) return `larger than ${MAX_SPEC_BYTES} bytes${when}`;
  let bytes = 0;
  const encoder = new TextEncoder();
  for (const t of texts) bytes += encoder.encode(t).byteLength;
  return bytes > MAX_SPEC_BYTES ? `larger than ${MAX_SPEC_BYTES} bytes${when}` : null;
}

function fail(path: string, message: string): LoadResult {
  return { ok: false, errors: [{ path, message }] };
}
