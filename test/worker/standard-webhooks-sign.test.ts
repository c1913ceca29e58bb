import { describe, expect, it } from "vitest";
import { newWebhookSecret, standardWebhookHeaders, standardWebhookSignature } from "../../worker/notify/standard-webhooks-sign";

describe("Standard Webhooks signing", () => {
  it("matches the spec's published example (standard-webhooks/standard-webhooks, v1.0.0)", async () => {
    const signature = await standardWebhookSignature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}');
    expect(signature).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  });

  it("keeps the id across attempts and signs each attempt's timestamp", async () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const a = await standardWebhookHeaders(secret, "dlv_1", 1_700_000_000, "{}");
    const b = await standardWebhookHeaders(secret, "dlv_1", 1_700_000_005, "{}");
    expect(a["webhook-id"]).toBe(b["webhook-id"]);
    expect(a["webhook-signature"]).not.toBe(b["webhook-signature"]);
  });
});
