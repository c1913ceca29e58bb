// `npm run bench [-- name…]`: keel against its alternatives on the same
// simulated hosts in the same run, written to BENCHMARKS.md section by
// section (bench/report.ts). With no names, every bench runs. Run it under
// `flock /tmp/keel-sim.lock`: the benches start simulated hosts on
// 127.0.0.11 upward. Measured here, never asserted in tests.
import { cpus, loadavg, totalmem } from "node:os";
import { runCompare, type ComparePart } from "./compare";
import { runParse } from "./parse";
import { writeSection } from "./report";
import { runScale } from "./scale";
import { runUpload } from "./upload";
import { METHOD, machine } from "./method";

/** Section order in BENCHMARKS.md; a bench's name is its section's. */
const ORDER = ["about", "floor", "ansible", "upload", "scale", "roundtrip", "parse"] as const;
type Name = Exclude<(typeof ORDER)[number], "about">;
const NAMES: readonly Name[] = ["floor", "ansible", "upload", "scale", "roundtrip", "parse"];
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

const sections: Partial<Record<Name, string>> = {};
const compareParts = new Set([...names].filter((n): n is ComparePart & Name => COMPARE.has(n)));
if (compareParts.size > 0) Object.assign(sections, await runCompare(compareParts as ReadonlySet<ComparePart>));
if (names.has("upload")) sections.upload = await runUpload();
if (names.has("scale")) sections.scale = await runScale();
if (names.has("parse")) sections.parse = await runParse();

const stamp = `${started.toISOString().slice(0, 16).replace("T", " ")} UTC; load average (1/5/15 min) ${startLoad} at the start, ${load()} at the end`;
await writeSection("about", machine(cpus(), totalmem()), ORDER);
for (const name of NAMES) {
  const body = sections[name];
  if (body !== undefined) await writeSection(name, `${METHOD[name]}\n\n_Run: ${stamp}._\n\n${body}`, ORDER);
}
console.log(`BENCHMARKS.md: ${[...names].join(", ")} written`);
