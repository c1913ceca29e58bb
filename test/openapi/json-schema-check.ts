/**
 * A small JSON Schema (2020-12) checker for the schemas z.toJSONSchema emits
 * into /openapi.json: enough to check requests and answers against the
 * document without a dependency. KNOWN_KEYWORDS is what it understands;
 * openapi.test.ts fails if the document uses anything else, so a keyword
 * this checker would silently skip cannot creep in.
 */

export type Schema = Record<string, unknown>;

const ASSERTIONS = [
  "$ref", "type", "enum", "const", "properties", "required", "additionalProperties", "propertyNames",
  "items", "prefixItems", "anyOf", "oneOf", "allOf", "not", "pattern", "minLength", "maxLength",
  "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minItems", "maxItems",
] as const;
/** Keywords that describe and never reject. (`format` is one in 2020-12; zod also emits a pattern for the formats it writes.) */
const ANNOTATIONS = ["description", "title", "default", "examples", "format", "readOnly", "writeOnly", "deprecated"] as const;
export const KNOWN_KEYWORDS: ReadonlySet<string> = new Set<string>([...ASSERTIONS, ...ANNOTATIONS]);

/** Every problem with `value` against `schema`, each naming where (`body.spec.hosts[0]`); [] when it conforms. */
export function checkJson(schema: Schema, value: unknown, root: Schema, at = "$"): string[] {
  const problems: string[] = [];
  const fail = (message: string) => problems.push(`${at}: ${message}`);
  if (typeof schema.$ref === "string") problems.push(...checkJson(resolveRef(root, schema.$ref), value, root, at));
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((t) => isType(value, t))) return [`${at}: expected ${types.join(" or ")}, got ${describe(value)}`];
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((v) => deepEqual(v, value))) fail(`must be one of ${JSON.stringify(schema.enum)}`);
  if ("const" in schema && !deepEqual(schema.const, value)) fail(`must be ${JSON.stringify(schema.const)}`);
  if (typeof value === "string") {
    if (typeof schema.pattern === "string" && !new RegExp(schema.pattern, "u").test(value)) fail(`does not match ${schema.pattern}`);
    if (typeof schema.minLength === "number" && [...value].length < schema.minLength) fail(`shorter than ${schema.minLength}`);
    if (typeof schema.maxLength === "number" && [...value].length > schema.maxLength) fail(`longer than ${schema.maxLength}`);
  }
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) fail(`below ${schema.minimum}`);
    if (typeof schema.maximum === "number" && value > schema.maximum) fail(`above ${schema.maximum}`);
    if (typeof schema.exclusiveMinimum === "number" && value <= schema.exclusiveMinimum) fail(`not above ${schema.exclusiveMinimum}`);
    if (typeof schema.exclusiveMaximum === "number" && value >= schema.exclusiveMaximum) fail(`not below ${schema.exclusiveMaximum}`);
  }
  if (Array.isArray(value)) problems.push(...checkArray(schema, value, root, at));
  if (isObject(value)) problems.push(...checkObject(schema, value, root, at));
  for (const sub of (schema.allOf as Schema[] | undefined) ?? []) problems.push(...checkJson(sub, value, root, at));
  if (Array.isArray(schema.anyOf) && !(schema.anyOf as Schema[]).some((s) => checkJson(s, value, root, at).length === 0)) {
    fail(`matches none of anyOf (${(schema.anyOf as Schema[]).map((s) => checkJson(s, value, root, at)[0]).join(" / ")})`);
  }
  if (Array.isArray(schema.oneOf)) {
    const matches = (schema.oneOf as Schema[]).filter((s) => checkJson(s, value, root, at).length === 0).length;
    if (matches !== 1) fail(`matches ${matches} of oneOf, not exactly one`);
  }
  if (isObject(schema.not) && checkJson(schema.not, value, root, at).length === 0) fail("matches `not`");
  return problems;
}

function checkArray(schema: Schema, value: unknown[], root: Schema, at: string): string[] {
  const problems: string[] = [];
  if (typeof schema.minItems === "number" && value.length < schema.minItems) problems.push(`${at}: fewer than ${schema.minItems} items`);
  if (typeof schema.maxItems === "number" && value.length > schema.maxItems) problems.push(`${at}: more than ${schema.maxItems} items`);
  const prefix = (schema.prefixItems as Schema[] | undefined) ?? [];
  value.forEach((item, i) => {
    const sub = prefix[i] ?? (isObject(schema.items) ? schema.items : undefined);
    if (sub) problems.push(...checkJson(sub, item, root, `${at}[${i}]`));
    else if (schema.items === false && i >= prefix.length) problems.push(`${at}[${i}]: no item allowed here`);
  });
  return problems;
}

function checkObject(schema: Schema, value: Record<string, unknown>, root: Schema, at: string): string[] {
  const problems: string[] = [];
  const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
  for (const key of (schema.required as string[] | undefined) ?? []) if (!(key in value)) problems.push(`${at}.${key}: required`);
  for (const [key, item] of Object.entries(value)) {
    const where = `${at}.${key}`;
    if (isObject(schema.propertyNames)) problems.push(...checkJson(schema.propertyNames, key, root, where));
    const declared = properties[key];
    if (declared) problems.push(...checkJson(declared, item, root, where));
    else if (schema.additionalProperties === false) problems.push(`${where}: not allowed (additionalProperties: false)`);
    else if (isObject(schema.additionalProperties)) problems.push(...checkJson(schema.additionalProperties, item, root, where));
  }
  return problems;
}

/** A local `#/a/b` pointer into `root`. */
export function resolveRef(root: Schema, ref: string): Schema {
  if (!ref.startsWith("#/")) throw new Error(`only local $refs are supported: ${ref}`);
  let node: unknown = root;
  for (const part of ref.slice(2).split("/")) {
    const key = part.replace(/~1/g, "/").replace(/~0/g, "~");
    node = isObject(node) ? node[key] : undefined;
  }
  if (!isObject(node)) throw new Error(`$ref ${ref} points at nothing`);
  return node;
}

/** Every schema nested in `schema` (itself included), for walks over the document. */
export function subschemas(schema: Schema): Schema[] {
  const found: Schema[] = [schema];
  const visit = (value: unknown) => {
    if (isObject(value)) found.push(...subschemas(value));
  };
  for (const key of ["properties"] as const) for (const child of Object.values((schema[key] as Record<string, unknown> | undefined) ?? {})) visit(child);
  for (const key of ["allOf", "anyOf", "oneOf", "prefixItems"] as const) for (const child of (schema[key] as unknown[] | undefined) ?? []) visit(child);
  for (const key of ["items", "additionalProperties", "propertyNames", "not"] as const) visit(schema[key]);
  return found;
}

function isType(value: unknown, type: string): boolean {
  switch (type) {
    case "null":
      return value === null;
    case "integer":
      return Number.isInteger(value);
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "array":
      return Array.isArray(value);
    case "object":
      return isObject(value);
    default:
      return typeof value === type;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
