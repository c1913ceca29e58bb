import { listDurableObjectIds } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { CreatedRelay } from "../../schema/api";
import type { ServerMessage } from "../../schema/protocol";
import { seedYaml } from "./fixtures";
import { call, jsonBody, yamlBody } from "./helpers";
import { RelaySocket } from "./relay-socket";

const OK = { ok: true, exitCode: 0, stdout: "", stderr: "", durationMs: 1 };
let relay: RelaySocket;

beforeAll(async () => {
  expect((await call("POST", "/v1/clusters?site=elsewhere", yamlBody(seedYaml("other-site-cluster")))).status).toBe(201);
  const created = CreatedRelay.parse((await call("POST", "/v1/relays", jsonBody({ name: "scoped-relay", site: "home" }))).json);
  relay = await RelaySocket.connect(created.token, "home");
});

async function answerTo(frame: Record<string, unknown>): Promise<ServerMessage> {
  const from = relay.frames.length;
  relay.send(frame);
  return relay.next("an error frame", (f) => f.type === "error", from);
}

async function clusterObjectExists(name: string): Promise<boolean> {
  const id = env.CLUSTER.idFromName(name).toString();
  return (await listDurableObjectIds(env.CLUSTER)).some((other) => other.toString() === id);
}

describe("a relay's step frames (F11)", () => {
  it("are refused for a cluster of another site, without waking that cluster's object", async () => {
    for (const type of ["step.started", "step.finished"]) {
      const frame = { type, cluster: "other-site-cluster", runId: "run_forged", stepId: "s1", ...(type === "step.finished" ? { result: OK } : {}) };
      const error = await answerTo(frame);
      expect(error).toMatchObject({ type: "error", code: "forbidden" });
      expect(error.type === "error" && error.message).toMatch(/other-site-cluster.*not in site home/);
    }
    expect(await clusterObjectExists("other-site-cluster")).toBe(false);
  });

  it("are refused for a cluster that does not exist, without creating an object for it", async () => {
    for (let i = 0; i < 20; i++) {
      const error = await answerTo({ type: "step.finished", cluster: `ghost-${i}`, runId: "run_x", stepId: "s", result: OK });
      expect(error).toMatchObject({ type: "error", code: "forbidden" });
    }
    expect(await clusterObjectExists("ghost-0")).toBe(false);
    expect(await clusterObjectExists("ghost-19")).toBe(false);
  });
});
