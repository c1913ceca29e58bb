import { env, exports } from "cloudflare:workers";
import { CreatedToken, ErrorResponse, type Role } from "../../schema/api";
import type { ErrorBody } from "../../schema/errors";

/** The bootstrap admin token vitest.config.ts gives the Worker. */
export const ADMIN_TOKEN = "test-admin-token-0123456789abcdef";

export interface CallOptions {
  /** null sends no Authorization header. */
  token?: string | null;
  body?: string | ReadableStream<Uint8Array>;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body (null if the body is not JSON). */
  json: unknown;
}

/** One request to the Worker under test, through its real entry point. */
export async function call(method: string, path: string, opts: CallOptions = {}): Promise<CallResult> {
  const headers = new Headers(opts.headers);
  const token = opts.token === undefined ? ADMIN_TOKEN : opts.token;
  if (token !== null) headers.set("Authorization", `Bearer ${token}`);
  if (opts.contentType) headers.set("Content-Type", opts.contentType);
  const res = await exports.default.fetch(new Request(`https://keel.test${path}`, { method, headers, body: opts.body ?? null }));
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: callers assert on `text`
  }
  return { status: res.status, headers: res.headers, text, json };
}

export function jsonBody(value: unknown): Pick<CallOptions, "body" | "contentType"> {
  return { body: JSON.stringify(value), contentType: "application/json" };
}

export function yamlBody(text: string): Pick<CallOptions, "body" | "contentType"> {
  return { body: text, contentType: "application/yaml" };
}

/** The error code of an error response (fails the parse if the body is not the one error shape). */
export function errorOf(res: CallResult): ErrorBody {
  return ErrorResponse.parse(res.json).error;
}

let counter = 0;
/** A name unique within the test file (storage is per file). */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** Mints an API token with `role` through the API, as the bootstrap admin. */
export async function mintToken(role: Role, name = uniqueName(role)): Promise<CreatedToken> {
  const res = await call("POST", "/v1/tokens", jsonBody({ name, role }));
  if (res.status !== 201) throw new Error(`minting a ${role} token failed: ${res.status} ${res.text}`);
  return CreatedToken.parse(res.json);
}

/** Every row of every table, as text: to prove a secret was never stored. */
export async function dumpDatabase(): Promise<string> {
  // _cf_* tables are D1's own (and unreadable); everything else is keel's.
  const tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '!_cf!_%' ESCAPE '!'").all<{ name: string }>();
  const parts: string[] = [];
  for (const { name } of tables.results) {
    const rows = await env.DB.prepare(`SELECT * FROM "${name.replace(/"/g, '""')}"`).all();
    parts.push(`${name}: ${JSON.stringify(rows.results)}`);
  }
  return parts.join("\n");
}
