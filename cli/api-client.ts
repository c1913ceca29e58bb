import type { z } from "zod";
import { ErrorCode, type ErrorDetail } from "../schema/errors";
import { LooseErrorResponse } from "./responses";

/**
 * The CLI's client for keel's API: bearer token, JSON in and out, and every
 * response body checked against a zod schema before anyone reads it. A
 * refusal from the API becomes an ApiFailure carrying its code, message and
 * per-field details.
 */

export interface ApiConfig {
  /** Base URL without a trailing slash, e.g. https://keel.example.workers.dev */
  url: string;
  token: string;
}

/**
 * Failures the CLI names itself, beside the API's own ErrorCodes: the API could
 * not be reached, answered with something that is not keel's error body (or a
 * code this CLI does not know yet), answered a body that does not parse, or
 * dropped the event stream for good.
 */
export type ClientFailureCode = "unreachable" | "http_error" | "bad_response" | "stream_lost";

export class ApiFailure extends Error {
  constructor(
    message: string,
    /** HTTP status; 0 when the API could not be reached or answered nonsense. */
    readonly status: number,
    readonly code: ErrorCode | ClientFailureCode,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = "ApiFailure";
  }
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export class ApiClient {
  constructor(private readonly config: ApiConfig) {}

  get url(): string {
    return this.config.url;
  }

  /** Sends a request and returns the raw response, whatever its status (streams, text bodies). */
  async send(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.config.token}`, Accept: "application/json", ...opts.headers };
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(opts.body);
    }
    try {
      return await fetch(this.urlFor(path, opts.query), { method, headers, body, signal: opts.signal });
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      throw new ApiFailure(`cannot reach the API at ${this.config.url}: ${causeOf(err)}`, 0, "unreachable");
    }
  }

  /** A JSON request whose 2xx body must match `schema`; anything else throws ApiFailure. */
  async json<S extends z.ZodType>(method: string, path: string, schema: S, opts: RequestOptions = {}): Promise<z.infer<S>> {
    const res = await this.send(method, path, opts);
    if (!res.ok) throw await failureFrom(res);
    const parsed = schema.safeParse(await readJson(res, method, path));
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      const where = first && first.path.length > 0 ? ` at ${first.path.join(".")}` : "";
      throw new ApiFailure(`unexpected response from ${method} ${path}${where}: ${first?.message ?? "invalid body"}`, res.status, "bad_response");
    }
    return parsed.data;
  }

  private urlFor(path: string, query: RequestOptions["query"] = {}): string {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    return `${this.config.url}${path}${qs ? `?${qs}` : ""}`;
  }
}

/** The API's `{error:{code,message,details?}}`, or a plain description of whatever else came back. */
export async function failureFrom(res: Response): Promise<ApiFailure> {
  const text = await res.text().catch(() => "");
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: described below from the status and text
  }
  const parsed = LooseErrorResponse.safeParse(body);
  if (parsed.success) {
    const { code, message, details } = parsed.data.error;
    const known = ErrorCode.safeParse(code);
    return new ApiFailure(message, res.status, known.success ? known.data : "http_error", details ?? []);
  }
  const snippet = text.trim().split("\n")[0]?.slice(0, 200) ?? "";
  return new ApiFailure(`HTTP ${res.status} ${res.statusText}${snippet ? `: ${snippet}` : ""}`.trim(), res.status, "http_error");
}

async function readJson(res: Response, method: string, path: string): Promise<unknown> {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiFailure(`unexpected response from ${method} ${path}: not JSON`, res.status, "bad_response");
  }
}

function causeOf(err: unknown): string {
  // fetch wraps the socket error ("ECONNREFUSED …") in a generic TypeError("fetch failed").
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}
