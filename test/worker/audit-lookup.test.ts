import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { encodeCursor } from "../../schema/api";
import type { AuditEntryView } from "../../schema/audit-api";
import { appendAudit } from "../../worker/core/audit-append";
import { allPages, auditPage, seedEntries } from "./audit-history";
import { call, errorOf, mintToken } from "./helpers";

const HOUR = 3_600_000;
const NOW = Date.now();
let seeded: AuditEntryView[] = [];
let viewer = "";

/** Newest first, as the API orders: by time, then by seq within a millisecond. */
const newestFirst = (a: AuditEntryView, b: AuditEntryView) => b.at - a.at || b.seq - a.seq;
const seqs = (entries: readonly AuditEntryView[]) => entries.map((e) => e.seq);

beforeAll(async () => {
  viewer = (await mintToken("viewer")).token;
  // 60 entries over the last 30 hours, two to an hour (so pairs share a millisecond and seq breaks the tie).
  seeded = await seedEntries(
    Array.from({ length: 60 }, (_, i) => ({
      at: NOW - Math.floor((60 - i) / 2) * HOUR,
      actor: i % 3 === 0 ? "token:lookup-a" : "token:lookup-b",
      action: i % 4 === 0 ? "run.start" : "test.lookup.update",
      cluster: i % 2 === 0 ? "alpha" : "beta",
      target: i % 4 === 0 ? `run-${i}` : "alpha",
      outcome: i % 5 === 0 ? "failed" : "ok",
      details: { i },
    })),
  );
});

describe("GET /v1/audit filters", () => {
  it("by cluster, actor, action, outcome and run, each alone and together, newest first", async () => {
    const cases: [string, (e: AuditEntryView) => boolean][] = [
      ["cluster=alpha", (e) => e.cluster === "alpha"],
      ["actor=token:lookup-a", (e) => e.actor === "token:lookup-a"],
      ["action=test.lookup.update", (e) => e.action === "test.lookup.update"],
      ["run=run-8", (e) => e.target === "run-8"],
      ["cluster=beta&outcome=failed", (e) => e.cluster === "beta" && e.outcome === "failed"],
      ["cluster=alpha&actor=token:lookup-b&action=run.start", (e) => e.cluster === "alpha" && e.actor === "token:lookup-b" && e.action === "run.start"],
    ];
    for (const [query, match] of cases) {
      const expected = seeded.filter(match).sort(newestFirst);
      expect(expected.length, query).toBeGreaterThan(0);
      expect(seqs((await auditPage(`?${query}&limit=500`, viewer)).entries), query).toEqual(seqs(expected));
    }
  });

  it("by time range: ISO 8601 times, and durations back from now", async () => {
    const since = NOW - 10 * HOUR;
    const until = NOW - 4 * HOUR;
    const inRange = seeded.filter((e) => e.cluster === "alpha" && e.at >= since && e.at <= until).sort(newestFirst);
    const iso = await auditPage(`?cluster=alpha&since=${new Date(since).toISOString()}&until=${new Date(until).toISOString()}&limit=500`);
    expect(seqs(iso.entries)).toEqual(seqs(inRange));

    // 12h back from the request: the seeded entries of the last 11 hours, give or take the clock moving on since NOW.
    const recent = await auditPage("?actor=token:lookup-a&since=12h&limit=500");
    const expected = seeded.filter((e) => e.actor === "token:lookup-a" && e.at >= NOW - 11 * HOUR);
    expect(seqs(recent.entries)).toEqual(expect.arrayContaining(seqs(expected)));
    for (const e of recent.entries) expect(e.at).toBeGreaterThanOrEqual(NOW - 12 * HOUR - 60_000);
    expect((await auditPage(`?cluster=alpha&since=2000-01-01&until=2000-01-02`)).entries).toEqual([]);
  });

  it("refuses bad filters with a 400 naming the field, before anything else", async () => {
    const bad: [string, string][] = [
      ["since=yesterday", "since"],
      ["since=2026-12-01T10:00:00", "since"],
      ["until=24x", "until"],
      [`since=${new Date(NOW).toISOString()}&until=2000-01-01`, "until"],
      ["outcome=fine", "outcome"],
      ["actor=", "actor"],
      ["format=xml", "format"],
      ["cluster=Bad_Name", "cluster"],
    ];
    for (const [query, field] of bad) {
      const res = await call("GET", `/v1/audit?${query}`);
      expect(res.status, query).toBe(400);
      expect(errorOf(res).details?.map((d) => d.path), query).toContain(field);
    }
  });
});

describe("GET /v1/audit cursor", () => {
  it("pages every entry once, with no gaps, while entries are appended between pages", async () => {
    const before = seeded.filter((e) => e.cluster === "beta").sort(newestFirst);
    let appended = 0;
    const paged = await allPages("?cluster=beta&limit=7", async () => {
      appended++;
      await appendAudit(env.DB, { actor: "cron", action: "test.lookup.during", cluster: "beta", outcome: "ok" });
    });
    expect(appended).toBeGreaterThan(3);
    expect(seqs(paged)).toEqual(seqs(before));

    // The whole log, paged, equals the table read in one go.
    const all = (await env.DB.prepare("SELECT seq FROM audit_log ORDER BY at DESC, seq DESC").all<{ seq: number }>()).results.map((r) => r.seq);
    expect(seqs(await allPages("?limit=13"))).toEqual(all);
  });

  it("is opaque, and a garbled or foreign cursor is a 400 naming cursor", async () => {
    const page = await auditPage("?cluster=alpha&limit=2");
    expect(page.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
    const foreign = encodeCursor({ name: "alpha" });
    for (const cursor of ["garbled!", "e30", foreign, `${page.nextCursor ?? ""}x`, "x".repeat(2000)]) {
      const res = await call("GET", `/v1/audit?cursor=${encodeURIComponent(cursor)}`);
      expect(res.status, cursor).toBe(400);
      expect(errorOf(res).details?.map((d) => d.path), cursor).toContain("cursor");
    }
  });
});
