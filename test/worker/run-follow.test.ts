import { describe, expect, it } from "vitest";
import { RunStreamEnd } from "../../schema/run-api";
import { call } from "./helpers";
import { RelaySocket, healthyResult } from "./relay-socket";
import { startApply, seed21Spec } from "./apply-helpers";
import { clusterOnSite } from "./cluster-on-site";

describe("GET /v1/runs/:id/events?follow=true", { timeout: 60_000 }, () => {
  it("streams the run's events as server-sent events and ends with the run's status", async () => {
    const f = await clusterOnSite(seed21Spec());
    const relay = await RelaySocket.connect(f.token, f.site);
    relay.autoAnswer((step) => healthyResult(step), { delayMs: 2 });
    const id = await startApply(f.cluster);
    const res = await call("GET", `/v1/runs/${id}/events?follow=true`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const blocks = res.text.split("\n\n").filter((b) => b.trim() !== "");
    const events = blocks.filter((b) => b.includes("event: run-event"));
    const ids = events.map((b) => Number(/^id: (\d+)$/m.exec(b)?.[1]));
    expect(ids.length).toBeGreaterThan(50);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(events.some((b) => b.includes("==> Running phase: Install workers"))).toBe(true);
    const last = blocks[blocks.length - 1] ?? "";
    expect(last.startsWith("event: end\ndata: ")).toBe(true);
    expect(RunStreamEnd.parse(JSON.parse(last.slice("event: end\ndata: ".length)))).toMatchObject({ status: "succeeded", error: null, durationMs: expect.any(Number) });

    // Resuming with Last-Event-ID sends only what came after it.
    const from = ids[ids.length - 3] ?? 0;
    const resumed = await call("GET", `/v1/runs/${id}/events?follow=true`, { headers: { "Last-Event-ID": String(from) } });
    expect([...resumed.text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))).toEqual(ids.slice(-2));
    expect(resumed.text).toContain("event: end");
    expect((await call("GET", "/v1/runs/run_nope/events?follow=true")).status).toBe(404);
    relay.close();
  });
});
