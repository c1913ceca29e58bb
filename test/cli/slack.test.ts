import { afterAll, describe, expect, it } from "vitest";
import { sendJson, startStubApi, TOKEN, type StubApi } from "./keel-api-stub";
import { keel } from "./keel-process";

const stubs: StubApi[] = [];
afterAll(() => Promise.all(stubs.map((s) => s.close())));

const mapped = { team: "T0ABC", user: "U0ALICE", role: "operator", createdBy: "bootstrap", createdAt: 1_700_000_000_000 };

describe("keel slack", { timeout: 30_000 }, () => {
  it("maps a user with a role, lists and unmaps, as the API is asked", async () => {
    const seen: unknown[] = [];
    const stub = await startStubApi({
      "POST /v1/slack/users": (req, res) => {
        seen.push(req.body);
        sendJson(res, 201, { user: mapped });
      },
      "GET /v1/slack/users": (_req, res) => sendJson(res, 200, { users: [mapped] }),
      "DELETE /v1/slack/users/T0ABC/U0ALICE": (_req, res) => sendJson(res, 200, { user: mapped }),
    });
    stubs.push(stub);
    const env = { KEEL_API_URL: stub.url, KEEL_TOKEN: TOKEN };
    const map = await keel(["slack", "map", "T0ABC", "U0ALICE", "--role", "operator"], { env });
    expect(map.code, map.stderr).toBe(0);
    expect(map.stdout).toContain("mapped Slack user T0ABC/U0ALICE to role operator");
    expect(seen).toEqual([{ team: "T0ABC", user: "U0ALICE", role: "operator" }]);
    const users = await keel(["slack", "users"], { env });
    expect(users.stdout.split("\n")[1]).toMatch(/^T0ABC\tU0ALICE\toperator\tbootstrap\t2023-/);
    const unmap = await keel(["slack", "unmap", "T0ABC", "U0ALICE"], { env });
    expect(unmap.code, unmap.stderr).toBe(0);
  });

  it("refuses a wrong command line before calling the API", async () => {
    const env = { KEEL_API_URL: "http://127.0.0.1:9", KEEL_TOKEN: TOKEN };
    for (const args of [["slack", "map", "T0ABC", "U0ALICE"], ["slack", "map", "nope", "U0ALICE", "--role", "viewer"], ["slack", "map", "T0ABC", "U0ALICE", "--role", "root"], ["slack", "frob"]]) {
      const run = await keel(args, { env });
      expect(run.code, args.join(" ")).toBe(2);
    }
  });
});
