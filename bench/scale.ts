// keel on 5, 20 and 50 simulated hosts (127.0.0.11 upward): seed 3.2's shape
// (three controllers, the rest workers, each with the image bundle and the
// CNI plugins), facts runs and no-op re-applies after one fresh apply, each
// against the TCP_NODELAY floor replaying the same run's SSH work.
import { replayFloor } from "./floor";
import { startKeelSession } from "./keel-session";
import { execCount } from "./trace";
import { median, say, spread } from "./stats";

const SIZES = (process.env.BENCH_SCALE_SIZES ?? "5,20,50").split(",").map(Number);
const ROUNDS = Number(process.env.BENCH_SCALE_ROUNDS ?? 2);

interface Size {
  hosts: number;
  freshMs: number;
  facts: number[];
  reapply: number[];
  factsFloor: number[];
  reapplyFloor: number[];
  execs: number;
}

export async function runScale(): Promise<string> {
  const sizes: Size[] = [];
  for (const hosts of SIZES) {
    say("scale", `${hosts} hosts: starting`);
    const session = await startKeelSession(hosts);
    try {
      const fresh = await session.apply();
      const size: Size = { hosts, freshMs: fresh.serverMs, facts: [], reapply: [], factsFloor: [], reapplyFloor: [], execs: 0 };
      for (let round = 0; round < ROUNDS; round++) {
        const re = await session.apply();
        size.reapply.push(re.serverMs);
        size.execs = execCount(re.trace);
        size.reapplyFloor.push((await replayFloor(re.trace, { keyPath: session.sim.keyPath, traceDir: session.traceDir, noDelay: true })).ms);
        await session.facts(); // connects again after the re-apply's Disconnect
        const facts = await session.facts();
        size.facts.push(facts.serverMs);
        size.factsFloor.push((await replayFloor(facts.trace, { keyPath: session.sim.keyPath, traceDir: session.traceDir, noDelay: true })).ms);
        say("scale", `${hosts} hosts, round ${round + 1}/${ROUNDS}: re-apply ${re.serverMs} ms, facts ${facts.serverMs} ms`);
      }
      sizes.push(size);
    } finally {
      await session.stop();
      await session.dropTrace();
    }
  }
  const base = sizes[0];
  const lines = [
    "| hosts | fresh apply (ms) | facts, pool warm (ms) | floor (ms) | keel / floor | × facts at 5 | no-op re-apply (ms) | floor (ms) | keel / floor | × re-apply at 5 | execs per re-apply |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...sizes.map((s) => {
      const f = median(s.facts);
      const r = median(s.reapply);
      const vs = (x: number, y: number | undefined) => (y ? `**${(x / y).toFixed(2)}×**` : "–");
      return `| ${s.hosts} | ${s.freshMs} | ${spread(s.facts)} | ${spread(s.factsFloor)} | ${(f / median(s.factsFloor)).toFixed(2)}× | ${vs(f, base ? median(base.facts) : undefined)} | ${spread(s.reapply)} | ${spread(s.reapplyFloor)} | ${(r / median(s.reapplyFloor)).toFixed(2)}× | ${vs(r, base ? median(base.reapply) : undefined)} | ${s.execs} |`;
    }),
  ];
  return lines.join("\n");
}
