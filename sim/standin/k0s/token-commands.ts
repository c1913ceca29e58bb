import { DATA_DIR, DEBUG, bool, duration, parseDuration, str } from "./flags";
import { HOST, cluster, fail, out, randomChars, sleep } from "./host";
import type { CommandGroup } from "./command";
import { isRunning, needApi } from "./status";
import { encodeToken, isRole } from "./tokens";

/** `k0s token create|list|invalidate`. */
export const TOKEN: CommandGroup = {
  short: "Manage join tokens",
  sub: {
    create: {
      flags: [str("role"), duration("expiry"), bool("wait"), ...DATA_DIR, ...DEBUG],
      args: [0, 0],
      run: async ({ flags }) => {
        const role = flags.string("role") ?? "worker";
        if (!isRole(role)) fail(`unsupported role "${role}"; supported roles are "controller" and "worker"`);
        const deadline = Date.now() + 60_000;
        while (flags.bool("wait") && !(await isRunning()) && Date.now() < deadline) await sleep(200);
        await needApi("failed to create join token");
        const ttl = parseDuration(flags.string("expiry") ?? "0s") ?? 0;
        const [id, secret] = [randomChars(6), randomChars(16)];
        cluster.put("tokens", id, { id, secret, role, createdOn: HOST.hostname, expiresAt: ttl > 0 ? Date.now() + ttl : null });
        const token = encodeToken(role, id, secret);
        // Test-only record of every token ever issued (invalidation deletes
        // tokens/<id>), so tests can prove no token leaked out of the relay.
        cluster.put("issued-tokens", id, { id, secret, token });
        out(token);
      },
    },
    list: {
      flags: [str("role"), ...DATA_DIR, ...DEBUG],
      args: [0, 0],
      run: async ({ flags }) => {
        await needApi("failed to list join tokens");
        const role = flags.string("role");
        // Expired bootstrap tokens are deleted by Kubernetes' token cleaner.
        const tokens = cluster.list("tokens").filter((t) => (!role || t.role === role) && (t.expiresAt === null || t.expiresAt > Date.now()));
        if (tokens.length === 0) return out("No k0s join tokens found");
        out(["ID\tROLE\tEXPIRES AT", ...tokens.map((t) => `${t.id}\t${t.role}\t${t.expiresAt ? new Date(t.expiresAt).toISOString() : "never"}`)].join("\n"));
      },
    },
    invalidate: {
      flags: [...DATA_DIR, ...DEBUG],
      args: [1, Infinity],
      run: async ({ args }) => {
        await needApi("failed to invalidate join token");
        for (const id of args) {
          if (!cluster.get("tokens", id)) fail("token not found");
          cluster.remove("tokens", id);
          out(`token ${id} deleted successfully`);
        }
      },
    },
  },
};
