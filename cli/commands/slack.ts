import { Role } from "../../schema/api";
import { SlackTeamId, SlackUserId, SlackUserList } from "../../schema/slack-api";
import { z } from "zod";
import { API_OPTIONS, API_USAGE, apiClientFrom } from "../api-flags";
import { EXIT_OK, type CliIo, type Command } from "../command";
import { briefUsageError, parseCommandLine, usageError } from "../parse-args";
import { reportingFailures } from "../report-failure";

const USAGE = `usage: keel slack map TEAM USER --role viewer|operator|admin
       keel slack unmap TEAM USER
       keel slack users [--json]

map     lets a Slack user (team id T…, user id U…, as Slack shows them in a
        profile's "Copy member ID") use /keel with a keel role: viewer for
        certs, runs and audit; operator to confirm renew-certs and backup.
        Mapping a mapped user again changes the role.
unmap   removes the mapping: the user's next /keel is refused.
users   lists the mapped Slack users.
Needs an admin token.

      --role ROLE       map: viewer, operator or admin
      --json            users: print the API's JSON
${API_USAGE}
  -h, --help            show this help

Exit status: 0 done; 1 refused by the API; 2 wrong command line.`;

export const slackCommand: Command = {
  summary: "map Slack users to keel roles for /keel (map, unmap, users)",
  usage: USAGE,
  run: runSlack,
};

const Mapped = z.object({ user: z.object({ team: z.string(), user: z.string(), role: Role }) });

async function runSlack(args: string[], io: CliIo): Promise<number> {
  const options = { role: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" }, ...API_OPTIONS } as const;
  const cmd = parseCommandLine("slack", USAGE, { args, options, allowPositionals: true }, io);
  if (!cmd.ok) return cmd.exit;
  const { values, positionals } = cmd.parsed;
  const [verb, team, user, ...extra] = positionals;
  if (verb !== "map" && verb !== "unmap" && verb !== "users") return usageError(io, "slack", USAGE, "give map, unmap or users");
  if (verb === "users" ? team !== undefined : team === undefined || user === undefined || extra.length > 0) {
    return usageError(io, "slack", USAGE, verb === "users" ? "users takes no arguments" : `give exactly TEAM and USER`);
  }
  if (verb !== "users") {
    if (!SlackTeamId.safeParse(team).success) return usageError(io, "slack", USAGE, `${JSON.stringify(team)} is not a Slack team id (T…)`);
    if (!SlackUserId.safeParse(user).success) return usageError(io, "slack", USAGE, `${JSON.stringify(user)} is not a Slack user id (U…)`);
  }
  const role = Role.safeParse(values.role);
  if (verb === "map" && !role.success) return usageError(io, "slack", USAGE, "give --role viewer, operator or admin");
  const api = apiClientFrom(values, io);
  if (!api.ok) return briefUsageError(io, "slack", api.message);
  return reportingFailures(io, async () => {
    if (verb === "map") {
      const res = await api.client.json("POST", "/v1/slack/users", Mapped, { body: { team, user, role: role.data } });
      io.out(`mapped Slack user ${res.user.team}/${res.user.user} to role ${res.user.role}`);
    } else if (verb === "unmap") {
      const res = await api.client.json("DELETE", `/v1/slack/users/${encodeURIComponent(team ?? "")}/${encodeURIComponent(user ?? "")}`, Mapped);
      io.out(`unmapped Slack user ${res.user.team}/${res.user.user} (was ${res.user.role})`);
    } else {
      const res = await api.client.json("GET", "/v1/slack/users", SlackUserList);
      if (values.json === true) io.out(JSON.stringify(res, null, 2));
      else if (res.users.length === 0) io.out("no Slack users mapped");
      else {
        io.out(["TEAM", "USER", "ROLE", "MAPPED BY", "MAPPED AT"].join("\t"));
        for (const u of res.users) io.out([u.team, u.user, u.role, u.createdBy, new Date(u.createdAt).toISOString()].join("\t"));
      }
    }
    return EXIT_OK;
  });
}
