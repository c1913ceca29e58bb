import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { CommandGroup } from "./command";
import type { NodeConfig } from "./config";
import { DATA_DIR, DEBUG, STATUS_SOCKET, str, type Flags } from "./flags";
import { HOST, cluster, fail, out, readJson, writeAtomic } from "./host";
import type { EtcdMember } from "./state";
import { runtimeConfig } from "./status";

// etcd membership: <clusterStateDir>/etcd/<member>.json. A controller joins at
// start and remembers it in <dataDir>/etcd/member.json; once removed (`k0s etcd
// leave`) it cannot start again until `k0s reset` has emptied its data dir, as
// with real etcd.

export function joinEtcd(dataDir: string, config: NodeConfig): EtcdMember {
  const mark = join(dataDir, "etcd/member.json");
  const known = readJson<EtcdMember>(mark);
  if (known && !cluster.get("etcd", known.name)) fail(`etcd: member ${known.id} has been permanently removed from the cluster; reset this controller to join again`);
  const member = known ?? { name: HOST.hostname, id: randomBytes(8).toString("hex"), peerURL: `https://${config.peerAddress}:2380`, host: HOST.hostname };
  writeAtomic(mark, `${JSON.stringify(member)}\n`, 0o600);
  cluster.put("etcd", member.name, member);
  return member;
}

/** What `k0s etcd` needs: k0s running with etcd storage and this controller's client certificate. */
async function etcdClient(flags: Flags): Promise<NodeConfig> {
  const rc = await runtimeConfig();
  if (rc.nodeConfig.storageType !== "etcd") fail(`wrong storage type: ${rc.nodeConfig.storageType}`);
  const cert = join(flags.string("data-dir") ?? rc.k0sVars.DataDir, "pki/apiserver-etcd-client.crt");
  if (!existsSync(cert)) fail(`can't connect to the etcd: open ${cert}: no such file or directory`);
  return rc.nodeConfig;
}

const logLine = (level: string, message: string): void => console.error(`time="${new Date().toISOString()}" level=${level} ${message}`);

export const ETCD: CommandGroup = {
  short: "Manage etcd cluster",
  sub: {
    leave: {
      short: "Sign off a given etc node from etcd cluster",
      flags: [str("peer-address"), ...DATA_DIR, ...STATUS_SOCKET, ...DEBUG],
      args: [0, 0],
      run: async ({ flags }) => {
        const config = await etcdClient(flags);
        const peer = flags.string("peer-address") || config.peerAddress || fail("can't leave etcd cluster: peer address is empty, check the config file or use cli argument");
        const peerURL = `https://${peer}:2380`;
        const member = cluster.list("etcd").find((m) => m.peerURL === peerURL);
        if (!member) {
          logLine("error", `msg="Failed to get peer name" peerURL="${peerURL}"`);
          fail(`peer not found: ${peerURL}`);
        }
        cluster.remove("etcd", member.name);
        logLine("info", `msg="Successfully deleted" peerID=${member.id}`);
      },
    },
    "member-list": {
      short: "List etcd cluster members (JSON encoded)",
      flags: [...DATA_DIR, ...STATUS_SOCKET, ...DEBUG],
      args: [0, 0],
      run: async ({ flags }) => {
        await etcdClient(flags);
        const members = cluster.list("etcd").sort((a, b) => a.name.localeCompare(b.name));
        out(JSON.stringify({ members: Object.fromEntries(members.map((m) => [m.name, m.peerURL])) }));
      },
    },
  },
};
