import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { AuditVerifyResult } from "../../schema/api";
import { appendAudit } from "../../worker/core/audit-append";
import { call } from "./helpers";

// Its own file: tampering breaks the chain for the rest of the file's storage.

async function verify(): Promise<AuditVerifyResult> {
  const res = await call("GET", "/v1/audit/verify");
  expect(res.status, res.text).toBe(200);
  return AuditVerifyResult.parse(res.json);
}

/** Someone with direct database access can drop the guard triggers; the chain still shows the edit. */
async function dropGuards(): Promise<void> {
  await env.DB.prepare("DROP TRIGGER IF EXISTS audit_log_no_update").run();
  await env.DB.prepare("DROP TRIGGER IF EXISTS audit_log_no_delete").run();
}

beforeAll(async () => {
  for (let i = 1; i <= 6; i++) await appendAudit(env.DB, { actor: "cron", action: "test.entry", target: String(i), outcome: "ok", details: { i } });
});

describe("verify", () => {
  it("starts from an intact chain", async () => {
    expect(await verify()).toMatchObject({ ok: true, entries: 6, head: { seq: 6 } });
  });

  it("finds an edited entry", async () => {
    await dropGuards();
    await env.DB.prepare("UPDATE audit_log SET outcome = 'denied' WHERE seq = 4").run();
    expect(await verify()).toMatchObject({ ok: false, brokenAt: 4, entries: 3 });
  });

  it("finds an edit that recomputes the entry's own hash (the next prevHash no longer matches)", async () => {
    await env.DB.prepare("UPDATE audit_log SET outcome = 'ok' WHERE seq = 4").run();
    expect((await verify()).ok).toBe(true);
    const original = await env.DB.prepare("SELECT hash FROM audit_log WHERE seq = 2").first<{ hash: string }>();
    await env.DB.prepare("UPDATE audit_log SET hash = ? WHERE seq = 2").bind("f".repeat(64)).run();
    expect(await verify()).toMatchObject({ ok: false, brokenAt: 2 });
    await env.DB.prepare("UPDATE audit_log SET hash = ? WHERE seq = 2").bind(original?.hash ?? "").run();
    expect((await verify()).ok).toBe(true);
  });

  it("finds a deleted entry", async () => {
    await env.DB.prepare("DELETE FROM audit_log WHERE seq = 5").run();
    expect(await verify()).toMatchObject({ ok: false, brokenAt: 5, entries: 4, reason: expect.stringContaining("missing") });
  });
});
