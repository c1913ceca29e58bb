import { mkdirSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { RUN_DIR, fail, isEnabled, mainPid, start, stop } from "./processes";
import { UNIT_DIR, unitFiles, unitName } from "./units";

// systemctl stand-in for keel's simulated hosts (sim/README.md). Hosts have no
// systemd, so this runs the services k0s installs (k0scontroller, k0sworker)
// from their unit files, as background processes in the host's namespace.
// Exit codes follow systemctl: 0 ok, 1 failure, 3 inactive (is-active/status),
// 4 no such unit (status), 5 not loaded.

function enable(verb: "enable" | "disable", units: string[], now: boolean): number {
  for (const u of units) {
    if (!unitFiles(u).length) return fail(1, `Failed to ${verb} unit: Unit file ${u} does not exist.`);
    mkdirSync(RUN_DIR, { recursive: true });
    if (verb === "enable") writeFileSync(join(RUN_DIR, `${u}.enabled`), "");
    else rmSync(join(RUN_DIR, `${u}.enabled`), { force: true });
    if (now) {
      const rc = verb === "enable" ? start(u) : stop(u);
      if (rc) return rc;
    }
  }
  return 0;
}

function status(units: string[]): number {
  let rc = 0;
  for (const u of units) {
    if (!unitFiles(u).length) {
      process.stderr.write(`Unit ${u} could not be found.\n`);
      rc = 4;
      continue;
    }
    const pid = mainPid(u);
    process.stdout.write(`● ${u}\n     Loaded: loaded (${join(UNIT_DIR, u)}; ${isEnabled(u) ? "enabled" : "disabled"})\n     Active: ${pid ? "active (running)" : "inactive (dead)"}\n${pid ? `   Main PID: ${pid}\n` : ""}`);
    if (!pid && rc === 0) rc = 3;
  }
  return rc;
}

function run(argv: string[]): number {
  const [verb, ...names] = argv.filter((a) => !a.startsWith("-"));
  const quiet = argv.includes("-q") || argv.includes("--quiet");
  const units = names.map(unitName);
  switch (verb) {
    case "daemon-reload":
    case "reset-failed":
      return 0;
    case "start":
      return units.reduce((rc, u) => rc || start(u), 0);
    case "stop":
      return units.reduce((rc, u) => rc || stop(u), 0);
    case "restart":
      return units.reduce((rc, u) => rc || (mainPid(u) ? stop(u) : 0) || start(u), 0);
    case "enable":
    case "disable":
      return enable(verb, units, argv.includes("--now"));
    case "is-active": {
      let rc = 3;
      for (const u of units) {
        const active = mainPid(u) !== undefined;
        if (!quiet) process.stdout.write(`${active ? "active" : "inactive"}\n`);
        if (active) rc = rc === 3 ? 0 : rc;
      }
      return rc;
    }
    case "is-enabled": {
      if (!quiet) for (const u of units) process.stdout.write(`${isEnabled(u) ? "enabled" : unitFiles(u).length ? "disabled" : "not-found"}\n`);
      return units.every(isEnabled) ? 0 : 1;
    }
    case "status":
      return status(units);
    case "keel-standin-boot":
      // Run by the harness when a host starts: what systemd does with enabled units at boot.
      for (const file of existsSync(RUN_DIR) ? readdirSync(RUN_DIR) : []) {
        if (file.endsWith(".enabled")) start(file.slice(0, -".enabled".length));
      }
      return 0;
    default:
      return fail(1, `Unknown command verb ${verb ?? "(none)"}.`);
  }
}

process.exitCode = run(process.argv.slice(2));
