import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { CommandGroup } from "./command";
import { hostPort } from "./config";
import { CONFIG, DATA_DIR, DEBUG, STATUS_SOCKET, str } from "./flags";
import { DEFAULT_DATA_DIR, fail, writeAtomic } from "./host";
import { issue } from "./pki";
import { runtimeConfig } from "./status";

// `k0s kubeconfig admin|create`. Both need k0s running: they read the API
// address from the runtime config.

interface KubeconfigInput {
  cluster: string;
  context: string;
  user: string;
  server: string;
  pki: string;
  /** <pki>/<cert>.{crt,key} */
  cert: string;
  namespace?: string;
}

function kubeconfigYaml(k: KubeconfigInput): string {
  const b64 = (file: string): string => readFileSync(join(k.pki, file)).toString("base64");
  return [
    "apiVersion: v1", "clusters:", "- cluster:", `    certificate-authority-data: ${b64("ca.crt")}`, `    server: ${k.server}`, `  name: ${k.cluster}`,
    "contexts:", "- context:", `    cluster: ${k.cluster}`, ...(k.namespace ? [`    namespace: ${k.namespace}`] : []), `    user: ${k.user}`, `  name: ${k.context}`,
    `current-context: ${k.context}`, "kind: Config", "preferences: {}", "users:", `- name: ${k.user}`, "  user:",
    `    client-certificate-data: ${b64(`${k.cert}.crt`)}`, `    client-key-data: ${b64(`${k.cert}.key`)}`, "",
  ].join("\n");
}

/** <dataDir>/pki/admin.conf as k0s writes it: server https://localhost:6443, the admin cert (O=system:masters). */
export function writeAdminConf(pki: string): void {
  writeAtomic(join(pki, "admin.conf"), kubeconfigYaml({ cluster: "local", context: "Default", user: "user", server: "https://localhost:6443", pki, cert: "admin", namespace: "default" }), 0o600);
}

export const KUBECONFIG: CommandGroup = {
  short: "Create a kubeconfig file for a specified user",
  sub: {
    admin: {
      short: "Display Admin's Kubeconfig file",
      flags: [...DATA_DIR, ...STATUS_SOCKET, ...DEBUG],
      args: [0, 0],
      run: async ({ flags }) => {
        const file = join(flags.string("data-dir") ?? DEFAULT_DATA_DIR, "pki/admin.conf");
        if (!existsSync(file)) fail(`failed to read admin config, check if the control plane is initialized on this node: open ${file}: no such file or directory`);
        const { nodeConfig } = await runtimeConfig();
        // k0s replaces localhost with the API address of the node config, as `kubeconfig admin` does.
        process.stdout.write(readFileSync(file, "utf8").replaceAll("https://localhost:6443", `https://${hostPort(nodeConfig.apiAddress, nodeConfig.apiPort)}`));
      },
    },
    create: {
      short: "Create a kubeconfig for a user",
      flags: [str("groups"), ...CONFIG, ...DATA_DIR, ...STATUS_SOCKET, ...DEBUG],
      args: [1, 1],
      run: async ({ flags, args: [user] }) => {
        if (!user) fail("username cannot be empty");
        const { nodeConfig } = await runtimeConfig();
        const pki = join(flags.string("data-dir") ?? DEFAULT_DATA_DIR, "pki");
        if (!existsSync(join(pki, "ca.key"))) fail(`failed generate user certificate: open ${pki}/ca.key: no such file or directory, check if the control plane is initialized on this node`);
        // Like k0s, the certificate is <pki>/<user>.crt, kept when it exists: a user named like a component gets (and overwrites) that component's file.
        if (!existsSync(join(pki, `${user}.crt`))) await issue(pki, "ca", user, user, flags.string("groups") || undefined);
        process.stdout.write(kubeconfigYaml({ cluster: "k0s", context: "k0s", user, server: `https://${hostPort(nodeConfig.apiAddress, nodeConfig.apiPort)}`, pki, cert: user }));
      },
    },
  },
};
