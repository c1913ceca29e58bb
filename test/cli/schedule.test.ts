import { afterAll, describe, expect, it } from "vitest";
import { sendJson, startStubApi, TOKEN, type StubApi } from "./keel-api-stub";
import { keel } from "./keel-process";

const stubs: StubApi[] = [];
afterAll(() => Promise.all(stubs.map((s) => s.close())));

const TUE_0230 = Date.UTC(2026, 11, 1, 2, 30);
const schedule = (policy: unknown) => ({
  cluster: "lab",
  policy,
  status: {
    lastRun: { at: TUE_0230, operation: "certs.renew", runId: "run_1" },
    lastSkipped: { at: TUE_0230 - 300_000, operation: "certs.renew", reason: "busy: cluster lab already has an active run run_0 (facts, running)" },
    missedWindows: [{ start: TUE_0230 - 7 * 86_400_000 - 1_800_000, end: TUE_0230 - 7 * 86_400_000 + 5_400_000, reason: "busy: run_x", reportedAt: TUE_0230 }],
  },
  updatedBy: "bootstrap",
  updatedAt: TUE_0230,
});

async function api(): Promise<StubApi> {
  const stub = await startStubApi({
    "GET /v1/clusters/lab/schedule": (_req, res) => sendJson(res, 200, { schedule: schedule({ autoRenew: { withinDays: 30, window: { days: ["tue"], start: "02:00", end: "04:00" } } }) }),
    "PUT /v1/clusters/lab/schedule": (req, res) => sendJson(res, 200, { schedule: schedule(req.body) }),
    "DELETE /v1/clusters/lab/schedule": (_req, res) => sendJson(res, 200, { schedule: schedule({ backup: { everyHours: 6 } }) }),
  });
  stubs.push(stub);
  return stub;
}

describe("keel schedule", { timeout: 120_000 }, () => {
  it("prints the schedule with its last run, last skip and missed windows", async () => {
    const stub = await api();
    const run = await keel(["schedule", "get", "lab"], { env: { KEEL_API_URL: stub.url, KEEL_TOKEN: TOKEN } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("auto-renew    leaf certificates ending within 30 days, tue 02:00-04:00 UTC");
    expect(run.stdout).toContain("last run      2026-12-01T02:30Z certs.renew run_1");
    expect(run.stdout).toMatch(/last skipped {2}2026-12-01T02:25Z certs.renew: busy: /);
    expect(run.stdout).toContain("missed        renewal window 2026-11-24T02:00Z to 2026-11-24T04:00Z: busy: run_x");
  });

  it("sends the flags as one policy, and refuses bad flags before sending anything", async () => {
    const stub = await api();
    const env = { KEEL_API_URL: stub.url, KEEL_TOKEN: TOKEN };
    const set = await keel(["schedule", "set", "lab", "--inventory-at", "03:00", "--renew-window", "mon,thu@02:00-04:00", "--renew-within", "14", "--backup-every", "24"], { env });
    expect(set.code, set.stderr).toBe(0);
    expect(stub.requests.at(-1)?.body).toEqual({
      certInventory: { dailyAt: "03:00" },
      autoRenew: { withinDays: 14, window: { days: ["mon", "thu"], start: "02:00", end: "04:00" } },
      backup: { everyHours: 24 },
    });
    const before = stub.requests.length;
    for (const [flags, message] of [
      [["--inventory-at", "3am"], /--inventory-at: must be "HH:MM"/],
      [["--renew-window", "mon@04:00-02:00"], /--renew-window: must be after start/],
      [["--renew-window", "monday"], /write DAYS@HH:MM-HH:MM/],
      [["--renew-within", "10"], /--renew-within needs --renew-window/],
      [["--backup-every", "often"], /--backup-every/],
      [[], /set at least one/],
    ] as const) {
      const bad = await keel(["schedule", "set", "lab", ...flags], { env });
      expect(bad.code, flags.join(" ")).toBe(2);
      expect(bad.stderr).toMatch(message);
    }
    expect(stub.requests.length).toBe(before);
    const cleared = await keel(["schedule", "clear", "lab"], { env });
    expect(cleared.code, cleared.stderr).toBe(0);
    expect(cleared.stdout).toContain("schedule of lab cleared");
  });
});
