import { chmod, mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * An `ip` for one simulated host. The hosts share the machine's network
 * namespace, so the real `ip` would give every host the same private address
 * — and keel, like k0sctl, makes that address each controller's etcd peer
 * address: every member would have the same peer URL (which real etcd
 * refuses) and `k0s etcd leave --peer-address` could remove the wrong one.
 * This answers the three questions host facts ask (`ip route`, `ip -o link`,
 * `ip -o addr show dev sim0 scope global`) with a private interface `sim0`
 * carrying the host's own 127.0.0.x, as on separate machines; anything else
 * goes to the real `ip`.
 */
export function ipStandinText(address: string): string {
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address)) throw new Error(`not a simulated host address: ${address}`);
  return `#!/bin/sh
# keel sim: this host's network as separate machines would see it (sim/ip-standin.ts).
case "$*" in
  "route" | "route show")
    echo "default via 127.0.0.1 dev sim0"
    echo "127.0.0.0/8 dev sim0 proto kernel scope link src ${address}"
    exit 0 ;;
  "-o link" | "-o link show")
    echo "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00"
    echo "2: sim0: <BROADCAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000\\    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff"
    exit 0 ;;
  "-o addr show dev sim0" | "-o addr show dev sim0 scope global")
    echo "2: sim0    inet ${address}/8 scope global sim0\\       valid_lft forever preferred_lft forever"
    exit 0 ;;
esac
for real in /usr/sbin/ip /sbin/ip /usr/bin/ip /bin/ip; do
  [ -x "$real" ] && exec "$real" "$@"
done
echo "ip: command not found" >&2
exit 127
`;
}

export async function writeIpStandin(path: string, address: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, ipStandinText(address), { mode: 0o755 });
  await chmod(path, 0o755);
}
