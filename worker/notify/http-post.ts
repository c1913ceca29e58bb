/** One outbound POST's answer: the status (null when nothing answered) and a short error for the delivery log. */
export interface PostResult {
  status: number | null;
  ok: boolean;
  /** Never the URL or a header: those may be credentials. */
  error: string | null;
  text: string;
}

/** Slack and webhook receivers should answer well within this (Standard Webhooks suggests 15–30 s). */
const TIMEOUT_MS = 15_000;

export async function postJson(url: string, body: string, headers: Record<string, string> = {}): Promise<PostResult> {
  try {
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json; charset=utf-8", ...headers }, body, signal: AbortSignal.timeout(TIMEOUT_MS) });
    const text = (await res.text()).slice(0, 2000);
    return { status: res.status, ok: res.ok, error: res.ok ? null : `HTTP ${res.status}: ${text.slice(0, 200)}`, text };
  } catch (err) {
    const name = err instanceof Error ? err.name : "";
    return { status: null, ok: false, error: name === "TimeoutError" ? `no answer within ${TIMEOUT_MS / 1000} s` : "could not connect", text: "" };
  }
}
