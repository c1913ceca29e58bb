// keel against its floor, Ansible, and its own API ↔ relay round trip, on
// the same five simulated hosts in one run: seed 3.2's fresh apply, its no-op
// re-apply and facts runs, each recorded on the relay (bench/ssh-trace.mjs)
// and done again by plain ssh2 (bench/floor.ts) and by ansible-playbook
// (bench/ansible.ts). keel's times are the server's (the run's startedAt →
// finishedAt); the client's (POST → end of the SSE stream) are shown beside.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHosts } from "../sim/harness";
import { replayFloor, type FloorResult } from "./floor";
import { runAnsible, writeAnsible } from "./ansible";
import { startKeelSession, type KeelRun } from "./keel-session";
import { idleMs, execCount, sftpCount, putBytes, type TraceEvent } from "./trace";
import { median, quantile, ratio, say, spread } from "./stats";

export type ComparePart = "floor" | "ansible" | "roundtrip";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ANSIBLE_RUNS = Number(process.env.BENCH_ANSIBLE_RUNS ?? 2);
const ROUNDTRIP_RUNS = Number(process.env.BENCH_ROUNDTRIP_RUNS ?? 20);

interface Series {
  keel: KeelRun[];
  noDelay: FloorResult[];
  nagle: FloorResult[];
}

const series = (): Series => ({ keel: [], noDelay: [], nagle: [] });
const server = (s: Series) => s.keel.map((r) => r.serverMs);

function shape(trace: readonly TraceEvent[]): string {
  return `${execCount(trace)} execs, ${sftpCount(trace)} SFTP sessions, ${(putBytes(trace) / 1024).toFixed(0)} KiB sent`;
}

/** The run's server time with no SSH operation in flight on any host (before the first, between, after the last). */
function notInFlight(run: KeelRun): number {
  if (run.trace.length === 0) return run.serverMs;
  const first = Math.min(...run.trace.map((e) => e.t0));
  const last = Math.max(...run.trace.map((e) => e.t1));
  return run.serverMs - (last - first - idleMs(run.trace));
}

/** Per-step API dispatch → result processed, for steps in which the relay did no SSH work. */
function noOpSteps(run: KeelRun): number[] {
  const out: number[] = [];
  for (const phase of run.view.phases) {
    for (const h of phase.hosts) {
      if (h.kind === "host.connect" && h.startedAt !== null && h.finishedAt !== null) out.push(h.finishedAt - h.startedAt);
    }
  }
  return out;
}

export async function runCompare(parts: ReadonlySet<ComparePart>): Promise<Partial<Record<ComparePart, string>>> {
  const wantFloor = parts.has("floor");
  const session = await startKeelSession(5);
  const fresh = series();
  const reapply = series();
  const factsCold = series();
  const factsWarm = series();
  const roundTrips: number[] = [];
  const ansible = new Map<string, { playMs: number[]; processMs: number[]; failed: number }>();
  let ansibleError: string | undefined;
  const keyPath = session.sim.keyPath;
  let freshTrace: readonly TraceEvent[] = [];
  try {
    say("compare", "fresh apply of seed 3.2 on 5 hosts");
    const first = await session.apply();
    fresh.keel.push(first);
    freshTrace = first.trace;
    for (let round = 0; round < ROUNDS; round++) {
      const re = await session.apply();
      reapply.keel.push(re);
      if (putBytes(re.trace) !== 0) throw new Error(`the no-op re-apply sent ${putBytes(re.trace)} bytes`);
      if (wantFloor) {
        reapply.noDelay.push(await replayFloor(re.trace, { keyPath, traceDir: session.traceDir, noDelay: true }));
        reapply.nagle.push(await replayFloor(re.trace, { keyPath, traceDir: session.traceDir, noDelay: false }));
      }
      const cold = await session.facts();
      factsCold.keel.push(cold);
      const warm = await session.facts();
      factsWarm.keel.push(warm);
      roundTrips.push(...noOpSteps(warm));
      if (wantFloor) {
        for (const [s, run] of [[factsCold, cold], [factsWarm, warm]] as const) {
          s.noDelay.push(await replayFloor(run.trace, { keyPath, traceDir: session.traceDir, noDelay: true }));
          s.nagle.push(await replayFloor(run.trace, { keyPath, traceDir: session.traceDir, noDelay: false }));
        }
      }
      const floors = wantFloor ? `; floor (NODELAY) ${reapply.noDelay.at(-1)?.ms.toFixed(0)} / ${factsCold.noDelay.at(-1)?.ms.toFixed(0)} / ${factsWarm.noDelay.at(-1)?.ms.toFixed(0)} ms` : "";
      say("compare", `round ${round + 1}/${ROUNDS}: re-apply ${re.serverMs} ms, facts ${cold.serverMs} / ${warm.serverMs} ms (server clock)${floors}`);
    }
    if (parts.has("roundtrip")) {
      for (let i = 0; i < ROUNDTRIP_RUNS; i++) roundTrips.push(...noOpSteps(await session.facts()));
    }
    if (parts.has("ansible")) {
      const lastRe = reapply.keel[reapply.keel.length - 1];
      const lastWarm = factsWarm.keel[factsWarm.keel.length - 1];
      if (lastRe && lastWarm) {
        try {
          const setup = await writeAnsible(join(session.traceDir, "ansible"), keyPath, { reapply: lastRe.trace, facts: lastWarm.trace });
          for (const book of ["facts-shell", "facts-raw", "reapply-shell", "reapply-raw"]) {
            const got = { playMs: [] as number[], processMs: [] as number[], failed: 0 };
            for (let i = 0; i < ANSIBLE_RUNS; i++) {
              const r = await runAnsible(setup, book);
              got.playMs.push(r.playMs);
              got.processMs.push(r.processMs);
              got.failed += r.failed;
            }
            ansible.set(book, got);
            say("compare", `ansible ${book}: ${spread(got.playMs)} ms in play`);
          }
        } catch (err) {
          ansibleError = err instanceof Error ? err.message : String(err);
          say("compare", `ansible failed: ${ansibleError}`);
        }
      }
    }
  } finally {
    await session.stop();
  }
  try {
    if (wantFloor && freshTrace.length > 0) {
      // A fresh apply needs fresh hosts: the same addresses, started again, after keel's stack has stopped.
      for (const noDelay of [true, false]) {
        const dir = await mkdtemp(join(tmpdir(), "keel-bench-floor-"));
        const sim = await startHosts({ count: 5, dir: join(dir, "sim"), hostnames: ["k1", "k2", "k3", "k4", "k5"] });
        try {
          const got = await replayFloor(freshTrace, { keyPath: sim.keyPath, traceDir: session.traceDir, noDelay });
          (noDelay ? fresh.noDelay : fresh.nagle).push(got);
          say("compare", `floor fresh apply (${noDelay ? "TCP_NODELAY" : "Nagle"}): ${got.ms.toFixed(0)} ms, ${got.exitMismatches} exit codes differ${got.mismatched.length ? `: ${got.mismatched.join("; ")}` : ""}`);
        } finally {
          await sim.stop();
          await rm(dir, { recursive: true, force: true });
        }
      }
    }
  } finally {
    await session.dropTrace();
  }

  const out: Partial<Record<ComparePart, string>> = {};
  const freshRun = fresh.keel[0];
  const lastRe = reapply.keel[reapply.keel.length - 1];
  const lastWarm = factsWarm.keel[factsWarm.keel.length - 1];
  const lastCold = factsCold.keel[factsCold.keel.length - 1];
  if (wantFloor && freshRun && lastRe && lastWarm && lastCold) {
    const row = (what: string, s: Series, goal: number | undefined, trace: readonly TraceEvent[]) => {
      const k = median(server(s));
      const nd = median(s.noDelay.map((f) => f.ms));
      const ng = median(s.nagle.map((f) => f.ms));
      const mismatches = s.noDelay.reduce((n, f) => n + f.exitMismatches, 0);
      const verdict = goal === undefined ? "–" : k / nd <= goal ? `≤ ${goal}×: met` : `≤ ${goal}×: **missed**`;
      return `| ${what} | ${s.keel.length} | ${spread(server(s))} | ${spread(s.keel.map((r) => r.clientMs))} | ${spread(s.noDelay.map((f) => f.ms))} | ${spread(s.nagle.map((f) => f.ms))} | **${ratio(k, nd)}** | ${ratio(k, ng)} | ${verdict} | ${median(s.keel.map(notInFlight)).toFixed(0)} | ${shape(trace)}; ${mismatches} exit codes differ in the floor |`;
    };
    out.floor = [
      "| run (seed 3.2, 5 hosts) | runs | keel, server clock (ms) | keel, client clock (ms) | floor, TCP_NODELAY (ms) | floor, Nagle on (ms) | keel / floor (NODELAY) | keel / floor (Nagle) | goal | keel: no SSH in flight (ms) | SSH work per run |",
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |",
      row("fresh apply", fresh, 1.1, freshRun.trace),
      row("no-op re-apply", reapply, 1.5, lastRe.trace),
      row("facts, relay pool warm", factsWarm, 1.5, lastWarm.trace),
      row("facts, connecting (after a re-apply's Disconnect)", factsCold, 1.5, lastCold.trace),
    ].join("\n");
  }
  if (parts.has("ansible")) {
    const keelFacts = median(server(factsWarm));
    const keelRe = median(server(reapply));
    const lines = [
      "| Ansible playbook (same commands) | runs | in play (ms) | process (ms) | failed tasks | keel (ms, server) | Ansible / keel (in play) | goal |",
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ];
    for (const [book, got] of ansible) {
      const keel = book.startsWith("facts") ? keelFacts : keelRe;
      const r = median(got.playMs) / keel;
      lines.push(`| ${book.replace("-", ", ")} module | ${got.playMs.length} | ${spread(got.playMs)} | ${spread(got.processMs)} | ${got.failed} | ${keel.toFixed(0)} | **${r.toFixed(1)}×** | ≥ 3×: ${r >= 3 ? "met" : "**missed**"} |`);
    }
    if (ansibleError) lines.push("", `Ansible failed in this run: ${ansibleError}`);
    out.ansible = lines.join("\n");
  }
  if (parts.has("roundtrip")) {
    out.roundtrip = [
      "| step | samples | p50 | p90 | p99 | max | goal p50 |",
      "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
      `| host.connect on a pooled connection (the relay does no SSH work), API dispatch → result processed | ${roundTrips.length} | ${quantile(roundTrips, 0.5)} ms | ${quantile(roundTrips, 0.9)} ms | ${quantile(roundTrips, 0.99)} ms | ${Math.max(...roundTrips)} ms | ≤ 5 ms: ${quantile(roundTrips, 0.5) <= 5 ? "met" : "**missed**"} |`,
    ].join("\n");
  }
  return out;
}
