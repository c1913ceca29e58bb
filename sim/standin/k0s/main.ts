import { isGroup, type Command } from "./command";
import { ROOT } from "./commands";
import { HelpRequest, UsageError, parseFlags } from "./flags";
import { recordInvocation } from "./ledger";

// k0s stand-in for keel's simulated hosts (sim/README.md): bundled by
// sim/standins.ts into the one file uploaded to a host like the real k0s
// binary. It plays the subcommands and flags keel's relay uses and rejects
// anything else the way k0s (cobra/pflag) does: "Error: unknown flag: --x" on
// stderr, exit 1; k0s exits only with 0 or 1.

function usage(words: string[], node: Command): string {
  const lines = [`Usage:\n  k0s ${words.join(" ")}${isGroup(node) ? " [command]" : " [flags]"}`];
  if (isGroup(node)) lines.push(`Available Commands:\n${Object.entries(node.sub).map(([n, c]) => `  ${n.padEnd(12)}${c.short ?? ""}`).join("\n")}`);
  else if (node.flags?.length) lines.push(`Flags:\n${node.flags.map((f) => `  ${f.short ? `-${f.short}, ` : "    "}--${f.long}`).join("\n")}`);
  return `${lines.join("\n\n")}\n`;
}

async function main(argv: string[]): Promise<void> {
  let node: Command = ROOT;
  const words: string[] = [];
  let i = 0;
  for (let word = argv[i]; isGroup(node) && word !== undefined && !word.startsWith("-"); word = argv[++i]) {
    const next: Command | undefined = node.sub[word];
    const where = ["k0s", ...words].join(" ");
    if (!next) throw new UsageError(`unknown command "${word}" for "${where}"\nRun '${where} --help' for usage.`);
    words.push(word);
    node = next;
  }
  const rest = argv.slice(i);
  try {
    if (isGroup(node)) {
      parseFlags([], rest);
      return void process.stdout.write(usage(words, node));
    }
    if (node.raw) return await node.run({ flags: parseFlags([], []).flags, args: rest, words });
    const { flags, positional } = parseFlags(node.flags ?? [], rest);
    const [min, max] = node.args ?? [0, Infinity];
    if (positional.length > max) throw new UsageError(max === 0 ? `unknown command "${positional[0] ?? ""}" for "k0s ${words.join(" ")}"` : `accepts at most ${max} arg(s), received ${positional.length}`);
    if (positional.length < min) throw new UsageError(`requires at least ${min} arg(s), only received ${positional.length}`);
    await node.run({ flags, args: positional, words });
  } catch (err) {
    if (!(err instanceof HelpRequest)) throw err;
    process.stdout.write(usage(words, node));
  }
}

const argv = process.argv.slice(2);
recordInvocation(argv);
main(argv).then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    process.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
