// BENCHMARKS.md is written section by section: each bench replaces only the
// text between its own markers, so benches run on their own (or another
// engineer's sections) keep what they wrote last.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { REPO_ROOT } from "../scripts/local/local-api";

const FILE = join(REPO_ROOT, "BENCHMARKS.md");

/** Section order in BENCHMARKS.md; a bench's name is its section's. */
export const BENCH_SECTIONS = ["about", "floor", "ansible", "upload", "scale", "roundtrip", "parse", "audit"] as const;

const begin = (name: string) => `<!-- bench:${name} -->`;
const end = (name: string) => `<!-- /bench:${name} -->`;

/** Replaces (or appends) the section `name`; `order` places a new section among the known ones. */
export async function writeSection(name: string, body: string, order: readonly string[]): Promise<void> {
  let text = await readFile(FILE, "utf8").catch(() => "# Benchmarks\n");
  const block = `${begin(name)}\n${body.trim()}\n${end(name)}`;
  const at = text.indexOf(begin(name));
  const stop = text.indexOf(end(name));
  if (at >= 0 && stop > at) {
    text = text.slice(0, at) + block + text.slice(stop + end(name).length);
  } else {
    // Before the first known section that comes after this one, else at the end.
    const later = order.slice(order.indexOf(name) + 1).map((n) => text.indexOf(begin(n))).filter((i) => i >= 0);
    const where = later.length > 0 ? Math.min(...later) : text.length;
    const before = text.slice(0, where).replace(/\n*$/, "\n\n");
    text = before + block + "\n\n" + text.slice(where).replace(/^\n*/, "");
  }
  await writeFile(FILE, text.replace(/\n*$/, "\n"));
}
