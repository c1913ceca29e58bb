import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import type { Flags } from "./flags";
import { HOST, cluster, fail } from "./host";
import type { Role, TokenEntry } from "./state";

// Join tokens: base64 of a gzipped kubeconfig whose user token is "<id>.<secret>",
// checked against tokens/<id>.json when a host joins.

export const TOKEN_USERS: Record<Role, string> = { controller: "controller-bootstrap", worker: "kubelet-bootstrap" };
export const isRole = (role: string): role is Role => Object.hasOwn(TOKEN_USERS, role);

export function encodeToken(role: Role, id: string, secret: string): string {
  const caPath = join(HOST.clusterDir, "pki/ca.crt");
  const ca = existsSync(caPath) ? readFileSync(caPath).toString("base64") : "";
  const port = role === "controller" ? 9443 : 6443;
  const kubeconfig = [
    "apiVersion: v1", "clusters:", "- cluster:", `    certificate-authority-data: ${ca}`, `    server: https://${HOST.address}:${port}`, "  name: k0s",
    "contexts:", "- context:", "    cluster: k0s", `    user: ${TOKEN_USERS[role]}`, "  name: k0s", "current-context: k0s", "kind: Config",
    "preferences: {}", "users:", `- name: ${TOKEN_USERS[role]}`, "  user:", `    token: ${id}.${secret}`, "",
  ].join("\n");
  return gzipSync(kubeconfig).toString("base64");
}

function decodeToken(text: string): { id: string; secret: string; user: string } | undefined {
  try {
    const kubeconfig = gunzipSync(Buffer.from(text.trim(), "base64")).toString("utf8");
    const token = /token: ([a-z0-9]{6})\.([a-z0-9]{16})/.exec(kubeconfig);
    const user = /user: ([\w-]+)/.exec(kubeconfig);
    if (token?.[1] && token[2] && user?.[1]) return { id: token[1], secret: token[2], user: user[1] };
  } catch {
    // not a token
  }
  return undefined;
}

/** The join a daemon attempts: the token must exist, match, be for this role and not have expired. */
export function checkToken(text: string, role: Role): TokenEntry {
  const token = decodeToken(text) ?? fail("failed to decode join token: invalid token");
  const stored = cluster.get("tokens", token.id);
  if (!stored || stored.secret !== token.secret) fail(`join token ${token.id} is not valid (invalidated or never created)`);
  if (stored.role !== role || token.user !== TOKEN_USERS[role]) fail(`join token ${token.id} is for role ${stored.role}, not ${role}`);
  if (stored.expiresAt !== null && stored.expiresAt < Date.now()) fail(`join token ${token.id} expired at ${new Date(stored.expiresAt).toISOString()}`);
  return stored;
}

/** The token a daemon was given: --token-file, or its argument. */
export function readTokenArg(flags: Flags, args: readonly string[]): string | undefined {
  const file = flags.string("token-file");
  if (file) {
    if (!existsSync(file)) fail(`failed to read token file ${file}: open ${file}: no such file or directory`);
    return readFileSync(file, "utf8");
  }
  return args[0];
}
