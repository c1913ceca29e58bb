import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CloseCode, MAX_FRAME_BYTES, PROTOCOL_VERSION } from "../../schema/protocol";
import { call } from "./helpers";
import { finished, startFacts, controllerAndWorkers } from "./run-helpers";
import { clusterOnSite } from "./cluster-on-site";
import { RelaySocket, healthyResult, waitFor } from "./relay-socket";

describe("GET /v1/relays/connect", () => {
  it("answers 401 for a wrong or missing relay token, and for an API token", async () => {
    for (const token of ["keel_relay_not-a-real-token", null, "test-admin-token-0123456789abcdef"]) {
      const res = await RelaySocket.request(token);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    }
  });

  it("answers 401 for a revoked relay", async () => {
    const f = await clusterOnSite(controllerAndWorkers(["127.0.0.11"]));
    expect((await call("DELETE", `/v1/relays/${f.relay}`)).status).toBe(200);
    expect((await RelaySocket.request(f.token)).status).toBe(401);
  });

  it("answers 426 without a WebSocket upgrade", async () => {
    const f = await clusterOnSite(controllerAndWorkers(["127.0.0.11"]));
    const res = await RelaySocket.request(f.token, {});
    expect(res.status).toBe(426);
  });

  it("replaces an older connection of the same relay (closed with 4001)", async () => {
    const f = await clusterOnSite(controllerAndWorkers(["127.0.0.11"]));
    const old = await RelaySocket.connect(f.token, f.site);
    const fresh = await RelaySocket.connect(f.token, f.site);
    await waitFor("old socket closed", () => old.closed);
    expect(old.closed?.code).toBe(CloseCode.replaced);
    expect(fresh.closed).toBeNull();
    // The relay stays online: the old socket's close does not mark it offline.
    const row = await env.DB.prepare("SELECT online FROM relays WHERE name = ?").bind(f.relay).first<{ online: number }>();
    expect(row?.online).toBe(1);

    fresh.autoAnswer((step) => healthyResult(step));
    const id = await startFacts(f.cluster);
    expect((await finished(id)).status).toBe("succeeded");
    expect(old.stepRuns()).toEqual([]);
    fresh.close();
  });

  it("answers bad frames with error and ignores them", async () => {
    const f = await clusterOnSite(controllerAndWorkers(["127.0.0.11"]));
    const relay = await RelaySocket.connect(f.token, f.site);
    const errorsAfter = async (send: () => void) => {
      const from = relay.frames.length;
      send();
      return relay.next("an error frame", (fr) => fr.type === "error", from);
    };
    expect(await errorsAfter(() => relay.ws.send("{not json"))).toMatchObject({ code: "invalid_frame", message: "frame is not valid JSON" });
    expect(await errorsAfter(() => relay.send({ type: "rm -rf /" }))).toMatchObject({ code: "invalid_frame" });
    expect(await errorsAfter(() => relay.send({ type: "heartbeat", at: "soon" }))).toMatchObject({ code: "invalid_frame", message: expect.stringContaining("at") });
    expect(await errorsAfter(() => relay.ws.send("x".repeat(MAX_FRAME_BYTES + 1)))).toMatchObject({ code: "invalid_frame", message: expect.stringContaining("limit") });
    expect(await errorsAfter(() => relay.ws.send(new Uint8Array([1, 2, 3])))).toMatchObject({ code: "invalid_frame" });

    // Still connected and answering.
    const from = relay.frames.length;
    relay.send({ type: "heartbeat", at: Date.now() });
    await relay.next("heartbeat.ack", (fr) => fr.type === "heartbeat.ack", from);
    expect(relay.closed).toBeNull();
    relay.close();
  });

  it("wants hello first, and closes on a protocol or site mismatch", async () => {
    const f = await clusterOnSite(controllerAndWorkers(["127.0.0.11"]));
    const early = await RelaySocket.open(f.token);
    early.send({ type: "heartbeat", at: 1 });
    expect(await early.next("error", (fr) => fr.type === "error")).toMatchObject({ code: "bad_request" });
    early.close();

    const old = await RelaySocket.open(f.token);
    old.send({ type: "hello", relayVersion: "0.0.1", protocolVersion: PROTOCOL_VERSION + 1, site: f.site });
    expect(await old.next("error", (fr) => fr.type === "error")).toMatchObject({ code: "protocol_mismatch" });
    await waitFor("close", () => old.closed);
    expect(old.closed?.code).toBe(CloseCode.protocolMismatch);

    const lost = await RelaySocket.open(f.token);
    lost.send({ type: "hello", relayVersion: "0.1.0", protocolVersion: PROTOCOL_VERSION, site: "elsewhere" });
    expect(await lost.next("error", (fr) => fr.type === "error")).toMatchObject({ code: "forbidden" });
    await waitFor("close", () => lost.closed);
    expect(lost.closed?.code).toBe(CloseCode.badHello);
  });
});
