import type { CliIo, Command } from "./command";
import { EXIT_OK, EXIT_USAGE } from "./command";
import { applyCommand } from "./commands/apply";
import { auditCommand } from "./commands/audit";
import { backupCommand } from "./commands/backup";
import { factsCommand } from "./commands/facts";
import { kubeconfigCommand } from "./commands/kubeconfig";
import { certsCommand } from "./commands/certs";
import { lbConfigCommand } from "./commands/lb-config";
import { resetCommand } from "./commands/reset";
import { restoreCommand } from "./commands/restore";
import { runsCommand } from "./commands/runs";
import { scheduleCommand } from "./commands/schedule";
import { slackCommand } from "./commands/slack";
import { validateCommand } from "./commands/validate";

/** Subcommands by name. Adding one is a file in commands/ and a line here. */
const COMMANDS: Record<string, Command> = {
  validate: validateCommand,
  apply: applyCommand,
  kubeconfig: kubeconfigCommand,
  facts: factsCommand,
  runs: runsCommand,
  "lb-config": lbConfigCommand,
  certs: certsCommand,
  reset: resetCommand,
  backup: backupCommand,
  restore: restoreCommand,
  audit: auditCommand,
  schedule: scheduleCommand,
  slack: slackCommand,
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return ["usage: keel <command> [options]", "", "commands:", ...lines, "", "Run `keel <command> --help` for a command's options."].join("\n");
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(usage());
    return EXIT_USAGE;
  }
  if (name === "help" || name === "--help" || name === "-h") {
    const wanted = rest[0] !== undefined ? COMMANDS[rest[0]] : undefined;
    io.out(wanted ? wanted.usage : usage());
    return EXIT_OK;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    io.err(`keel: unknown command "${name}"\n\n${usage()}`);
    return EXIT_USAGE;
  }
  return command.run(rest, io);
}

export function processIo(): CliIo {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    readStdin: async (maxBytes) => {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of process.stdin) {
        const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
        size += buf.byteLength;
        if (size > maxBytes) return null;
        chunks.push(buf);
      }
      return Buffer.concat(chunks);
    },
    onInterrupt: (handler) => {
      process.on("SIGINT", handler);
      return () => process.off("SIGINT", handler);
    },
    env: process.env,
    cwd: process.cwd(),
  };
}
