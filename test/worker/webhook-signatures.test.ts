import { describe, expect, it } from "vitest";
import { newGithubSecret, signGithub, verifyGithub } from "../../worker/webhooks/github-signature";
import { newStandardSecret, signStandard, verifyStandard } from "../../worker/webhooks/standard-webhooks";

// The Standard Webhooks spec's published example (spec/standard-webhooks.md, "Signature scheme").
const SPEC = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};
const AT_SPEC_TIME = SPEC.timestamp * 1000;
const headers = (signature: string, id = SPEC.id, timestamp = String(SPEC.timestamp)) => ({ id, timestamp, signature });

describe("Standard Webhooks", () => {
  it("signs and verifies the spec's example", async () => {
    expect(await signStandard(SPEC.secret, SPEC.id, SPEC.timestamp, SPEC.body)).toBe(SPEC.signature);
    expect(await verifyStandard(SPEC.secret, headers(SPEC.signature), SPEC.body, AT_SPEC_TIME)).toEqual({ ok: true, deliveryId: SPEC.id });
  });

  it("passes when any v1 entry of the list matches (secret rotation) and ignores other versions", async () => {
    const list = `v1a,AAAA v1,bm90IGl0 ${SPEC.signature}`;
    expect((await verifyStandard(SPEC.secret, headers(list), SPEC.body, AT_SPEC_TIME)).ok).toBe(true);
    expect((await verifyStandard(SPEC.secret, headers(SPEC.signature.replace("v1,", "v1a,")), SPEC.body, AT_SPEC_TIME)).ok).toBe(false);
  });

  it("refuses a changed body, id or timestamp, and a timestamp more than 5 minutes either way", async () => {
    const refuse = async (h: ReturnType<typeof headers>, body = SPEC.body, now = AT_SPEC_TIME) => {
      const v = await verifyStandard(SPEC.secret, h, body, now);
      expect(v.ok).toBe(false);
      return v.ok ? "" : v.reason;
    };
    expect(await refuse(headers(SPEC.signature), '{"test": 2432232315}')).toMatch(/no v1 signature/);
    expect(await refuse(headers(SPEC.signature, "msg_other"))).toMatch(/no v1 signature/);
    expect(await refuse(headers(SPEC.signature, SPEC.id, String(SPEC.timestamp + 1)), SPEC.body, AT_SPEC_TIME)).toMatch(/no v1 signature/);
    expect(await refuse(headers(SPEC.signature), SPEC.body, AT_SPEC_TIME + 301_000)).toMatch(/5 minutes/);
    expect(await refuse(headers(SPEC.signature), SPEC.body, AT_SPEC_TIME - 301_000)).toMatch(/5 minutes/);
    expect((await verifyStandard(SPEC.secret, headers(SPEC.signature), SPEC.body, AT_SPEC_TIME + 299_000)).ok).toBe(true);
    expect(await refuse({ id: null, timestamp: null, signature: null } as never)).toMatch(/send the webhook-id/);
    expect(await refuse(headers(SPEC.signature, SPEC.id, "soon"))).toMatch(/unix seconds/);
    expect(await refuse(headers("v1,not base64!"))).toMatch(/no v1 signature/);
  });

  it("mints whsec_ secrets of 32 random bytes that verify what they sign", async () => {
    const secret = newStandardSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(newStandardSecret()).not.toBe(secret);
    const sig = await signStandard(secret, "msg_1", 1_700_000_000, "{}");
    expect((await verifyStandard(secret, { id: "msg_1", timestamp: "1700000000", signature: sig }, "{}", 1_700_000_000_000)).ok).toBe(true);
  });
});

describe("GitHub X-Hub-Signature-256", () => {
  // GitHub's documented example ("Validating webhook deliveries").
  const secret = "It's a Secret to Everybody";
  const expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

  it("signs and verifies GitHub's example", async () => {
    expect(await signGithub(secret, "Hello, World!")).toBe(expected);
    expect(await verifyGithub(secret, { signature: expected, delivery: "d-1" }, "Hello, World!")).toEqual({ ok: true, deliveryId: "d-1" });
  });

  it("refuses another body, a malformed header and a missing delivery id", async () => {
    expect((await verifyGithub(secret, { signature: expected, delivery: "d-1" }, "Hello, World?")).ok).toBe(false);
    expect((await verifyGithub(secret, { signature: expected.replace("sha256=", "sha1="), delivery: "d-1" }, "Hello, World!")).ok).toBe(false);
    expect((await verifyGithub(secret, { signature: expected, delivery: null }, "Hello, World!")).ok).toBe(false);
    expect(newGithubSecret()).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
