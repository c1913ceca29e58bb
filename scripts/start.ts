// `npm start`: keel's API in the local Workers runtime with local D1 (migrations
// applied) and a relay connected to it. State lives in .keel/ and survives restarts.
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { REPO_ROOT } from "./local/local-api";
import { startLocalStack } from "./local/stack";

const stateDir = process.env.KEEL_STATE_DIR ?? join(REPO_ROOT, ".keel", "local");
const port = Number(process.env.KEEL_PORT ?? 8787);

async function adminToken(): Promise<string> {
  const file = join(stateDir, "admin-token");
  try {
    return (await readFile(file, "utf8")).trim();
  } catch {
    const token = `keel_admin_${randomBytes(24).toString("base64url")}`;
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    await writeFile(file, token, { mode: 0o600 });
    return token;
  }
}

const token = await adminToken();
const stack = await startLocalStack({
  port,
  stateDir,
  adminToken: token,
  uploadRoots: [join(REPO_ROOT, ".keel")],
  verbose: process.env.KEEL_VERBOSE === "1",
});
console.log(`keel API:     ${stack.api.url}`);
console.log(`admin token:  ${token}   (also in ${join(stateDir, "admin-token")})`);
console.log(`relay:        ${stack.relayName} (site "${stack.site}") connected`);
console.log(`try:          curl -H "Authorization: Bearer ${token}" ${stack.api.url}/v1/relays`);
console.log("Ctrl-C stops both.");

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  await stack.stop();
  process.exit(0);
};
process.on("SIGINT", () => void shutdown());
process.on("SIGTERM", () => void shutdown());
