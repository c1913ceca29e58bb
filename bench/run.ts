// `npm run bench [-- name…]`: keel against its alternatives on the same
// simulated hosts in the same run, written to BENCHMARKS.md section by
// section (bench/report.ts). With no names, every bench runs. Run it under
// `flock /tmp/keel-sim.lock`: the benches start simulated hosts on
// 127.0.0.11 upward. Measured here, never asserted in tests.
import { cpus, loadavg, totalmem } from "node:os";
import { runCompare, type ComparePart } from "./compare";
import { runParse } from "./parse";
import { spawn } from "node:child_process";
import { BENCH_SECTIONS, writeSection } from "./report";
import { runScale } from "./scale";
import { runUpload } from "./upload";
import { METHOD, machine } from "./method";

const ORDER = BENCH_SECTIONS;
type Name = Exclude<(typeof ORDER)[number], "about">;
const NAMES: readonly Name[] = ["floor", "ansible", "upload", "scale", "roundtrip", "parse", "audit"];
const COMPARE: ReadonlySet<Name> = new Set(["floor", "ansible", "roundtrip"]);

const asked = process.argv.slice(2).filter((a) => a !== "--");
const unknown = asked.filter((a) => !(NAMES as readonly string[]).includes(a));
if (unknown.length > 0) {
  console.error(`unknown bench ${unknown.join(", ")}; known: ${NAMES.join(", ")}`);
  process.exit(2);
}
const names = new Set<Name>(asked.length > 0 ? (asked as Name[]) : NAMES);
const load = () => loadavg().map((l) => l.toFixed(1)).join(" / ");
const startLoad = load();
const started = new Date();

const stamp = () => `${started.toISOString().slice(0, 16).replace("T", " ")} UTC; load average (1/5/15 min) ${startLoad} at the start, ${load()} at the end of this bench`;
await writeSection("about", machine(cpus(), totalmem()), ORDER);
// Each section is written as soon as its bench ends; a bench that fails says so in its section.
const write = async (name: Exclude<Name, "audit">, body: string) => writeSection(name, `${METHOD[name]}\n\n_Run: ${stamp()}._\n\n${body}`, ORDER);
const failure = (err: unknown) => `**This bench failed in this run:** ${err instanceof Error ? err.message : String(err)}`.slice(0, 3000);
const compareParts = [...names].filter((n): n is ComparePart & Name => COMPARE.has(n));
if (compareParts.length > 0) {
  try {
    const got = await runCompare(new Set<ComparePart>(compareParts));
    for (const n of compareParts) await write(n, got[n] ?? "(no result)");
  } catch (err) {
    console.error(err);
    for (const n of compareParts) await write(n, failure(err));
  }
}
const single: [Exclude<Name, "audit">, () => Promise<string>][] = [
  ["upload", runUpload],
  ["scale", runScale],
  ["parse", runParse],
];
for (const [name, run] of single) {
  if (!names.has(name)) continue;
  try {
    await write(name, await run());
  } catch (err) {
    console.error(err);
    await write(name, failure(err));
  }
}
// The audit lookup fills local D1 with a million rows (minutes) in a process
// of its own and writes its own section (bench/audit-lookup.ts).
if (names.has("audit")) {
  const code = await new Promise<number | null>((resolve) => spawn("npx", ["tsx", "bench/audit-lookup.ts"], { stdio: "inherit" }).on("exit", resolve));
  if (code !== 0) await writeSection("audit", `## Audit lookup\n\n${failure(new Error(`bench/audit-lookup.ts exited ${code}`))}`, ORDER);
}
console.log(`BENCHMARKS.md: ${[...names].join(", ")} written`);
