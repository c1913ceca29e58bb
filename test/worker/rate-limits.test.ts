import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ErrorResponse } from "../../schema/api";
import worker from "../../worker/index";
import { ADMIN_TOKEN, mintToken, uniqueName } from "./helpers";

// Low limits, passed to the Worker for these requests only: the defaults are
// far above anything the rest of the suite does.
const LIMITS = { RATE_LIMIT_PER_TOKEN: "5", RATE_LIMIT_PER_CLIENT: "12", RATE_LIMIT_AUTH_FAILURES: "3" };

let clientCount = 0;
/** A client address of its own, so no other test shares its buckets. */
function newClient(): string {
  clientCount += 1;
  return `198.51.100.${clientCount}`;
}

async function send(path: string, client: string, token: string | null): Promise<Response> {
  const headers = new Headers({ "CF-Connecting-IP": client });
  if (token !== null) headers.set("Authorization", `Bearer ${token}`);
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`https://keel.test${path}`, { headers }), { ...env, ...LIMITS }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

async function expectLimited(res: Response): Promise<void> {
  expect(res.status).toBe(429);
  const retryAfter = Number(res.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(ErrorResponse.parse(await res.json()).error.code).toBe("rate_limited");
}

describe("rate limits (F12)", () => {
  it("limit each token, not the other tokens of the same client", async () => {
    const client = newClient();
    const { token } = await mintToken("viewer", uniqueName("limited"));
    for (let i = 0; i < 5; i++) expect((await send("/v1/clusters", client, token)).status).toBe(200);
    await expectLimited(await send("/v1/clusters", client, token));
    const other = await mintToken("viewer", uniqueName("unlimited"));
    expect((await send("/v1/clusters", client, other.token)).status).toBe(200);
  });

  it("limit failed authentications per client address, before the token is looked up", async () => {
    const client = newClient();
    for (let i = 0; i < 3; i++) expect((await send("/v1/clusters", client, `keel_api_guess${i}`)).status).toBe(401);
    await expectLimited(await send("/v1/clusters", client, "keel_api_guess-more"));
    // Blocked as a client: even a good token from there waits.
    await expectLimited(await send("/v1/clusters", client, ADMIN_TOKEN));
    // Another address is not.
    expect((await send("/v1/clusters", newClient(), "keel_api_guess-elsewhere")).status).toBe(401);
  });

  it("limit all requests per client address", async () => {
    const client = newClient();
    const tokens = await Promise.all(Array.from({ length: 3 }, () => mintToken("viewer", uniqueName("shared"))));
    for (let i = 0; i < 12; i++) expect((await send("/v1/clusters", client, tokens[i % 3]?.token ?? null)).status).toBe(200);
    await expectLimited(await send("/v1/clusters", client, tokens[0]?.token ?? null));
  });

  it("leave /healthz alone", async () => {
    const client = newClient();
    for (let i = 0; i < 20; i++) expect((await send("/healthz", client, null)).status).toBe(200);
  });
});
