import { ApiClient } from "./api-client";
import type { CliIo } from "./command";

/** `--api` and `--token`, shared by every command that talks to the API. */
export const API_OPTIONS = {
  api: { type: "string" },
  token: { type: "string" },
} as const;

export const API_USAGE = `      --api URL         keel API URL (default: $KEEL_API_URL)
      --token TOKEN     API token (default: $KEEL_TOKEN; the environment
                        keeps it out of the process list)`;

/** The client, or why there is none (a wrong command line: exit 2). No message echoes the token. */
export function apiClientFrom(values: { api?: string; token?: string }, io: CliIo): { ok: true; client: ApiClient } | { ok: false; message: string } {
  const url = (values.api ?? io.env.KEEL_API_URL ?? "").trim();
  const token = (values.token ?? io.env.KEEL_TOKEN ?? "").trim();
  if (url === "") return { ok: false, message: "no API URL: pass --api URL or set KEEL_API_URL" };
  if (token === "") return { ok: false, message: "no API token: pass --token or set KEEL_TOKEN" };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, message: `--api ${JSON.stringify(url)} is not a URL` };
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return { ok: false, message: `--api must be an http(s) URL, not ${parsed.protocol}` };
  if (parsed.username || parsed.password || parsed.search || parsed.hash) return { ok: false, message: "--api must be a plain URL (no credentials, query or fragment)" };
  return { ok: true, client: new ApiClient({ url: parsed.href.replace(/\/+$/, ""), token }) };
}
