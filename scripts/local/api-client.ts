/** A small JSON client for keel's API, used by the local scripts and the e2e tests. */
export interface ApiResponse {
  status: number;
  body: unknown;
}

export class ApiClient {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  async request(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<ApiResponse> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}` };
    let payload: string | undefined;
    if (body !== undefined) {
      headers["Content-Type"] = contentType;
      payload = typeof body === "string" ? body : JSON.stringify(body);
    }
    const res = await fetch(`${this.url}${path}`, { method, headers, body: payload });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text, the caller reports it
    }
    return { status: res.status, body: parsed };
  }

  /** Like request, but a non-2xx status is an error carrying the API's message. */
  async call(method: string, path: string, body?: unknown, contentType?: string): Promise<unknown> {
    const res = await this.request(method, path, body, contentType);
    if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  }
}
