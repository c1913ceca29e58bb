// Simulated hosts by hand:
//   npx tsx sim/sim-hosts.ts start --count 5 --dir /tmp/keel-sim [--hostnames k1,k2,…] [--first-octet 11] [--install-k0s] [--fixtures]
//   npx tsx sim/sim-hosts.ts status --dir /tmp/keel-sim
//   npx tsx sim/sim-hosts.ts stop --dir /tmp/keel-sim
// `start` leaves the hosts running after it exits; `stop` finds them again from the files in --dir.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { startHosts, statusOfHostsIn, stopHostsIn, writeFixtureFiles } from "./harness";

const DEFAULT_DIR = resolve(import.meta.dirname, ".run");

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      count: { type: "string", default: "3" },
      dir: { type: "string", default: DEFAULT_DIR },
      hostnames: { type: "string" },
      "first-octet": { type: "string", default: "11" },
      "install-k0s": { type: "boolean", default: false },
      fixtures: { type: "boolean", default: false },
    },
  });
  const dir = resolve(values.dir);
  switch (positionals[0]) {
    case "start": {
      const cluster = await startHosts({
        count: Number(values.count),
        dir,
        firstOctet: Number(values["first-octet"]),
        installK0s: values["install-k0s"],
        ...(values.hostnames ? { hostnames: values.hostnames.split(",") } : {}),
      });
      if (values.fixtures) await writeFixtureFiles(dir);
      console.log(`key: ${cluster.keyPath}`);
      for (const h of cluster.hosts) console.log(`${h.address}:${h.port}  ${h.hostname}  ${h.hostKeyFingerprint}  ${h.root}`);
      console.log(`ssh -i ${cluster.keyPath} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null root@${cluster.hosts[0]?.address}`);
      return;
    }
    case "status":
      for (const h of await statusOfHostsIn(dir)) console.log(`${h.address}  ${h.hostname}  ${h.running ? "running" : "stopped"}  ${h.hostKeyFingerprint}  ${h.root}`);
      return;
    case "stop":
      await stopHostsIn(dir);
      console.log(`stopped the hosts in ${dir}`);
      return;
    default:
      console.error("usage: sim-hosts.ts start|status|stop [--dir DIR] [--count N] [--hostnames a,b] [--first-octet 11] [--install-k0s] [--fixtures]");
      process.exitCode = 2;
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
