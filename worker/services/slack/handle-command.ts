import { ClusterName } from "../../../schema/api";
import type { SlashCommandForm } from "../../../schema/slack-api";
import type { Env } from "../../core/env";
import { confirmReply, helpReply, textReply } from "./command-replies";
import { requireCluster } from "./cluster-exists";
import { auditReply, certsReply, notFoundText, runsReply } from "./read-replies";
import { slackActor } from "./slack-actor";
import { CHANGES, mayChange, refuseChange, unmappedReply, type SlackOutcome } from "./slack-permissions";

const READS = { certs: certsReply, runs: runsReply, audit: auditReply } as const;

const isKey = <T extends object>(o: T, k: string): k is Extract<keyof T, string> => Object.hasOwn(o, k);

/**
 * `/keel …`: parsed from the text; anything unknown or malformed answers
 * with help, never an error page. Reads answer at once (a few D1 rows);
 * changes answer with a confirm prompt: the click (handle-click.ts) starts them.
 */
export async function handleSlashCommand(env: Env, form: SlashCommandForm, now: number): Promise<SlackOutcome> {
  const [sub = "help", clusterArg, ...extra] = form.text.trim().split(/\s+/).filter(Boolean);
  if (sub === "help") return { reply: helpReply() };
  if (!isKey(READS, sub) && !isKey(CHANGES, sub)) return { reply: helpReply(`I don't know "${sub.slice(0, 40)}".`) };
  const cluster = ClusterName.safeParse(clusterArg);
  if (!cluster.success || extra.length > 0) return { reply: helpReply(`Give exactly one cluster name: /keel ${sub} CLUSTER`) };
  const actor = await slackActor(env.DB, form.team_id, form.user_id);
  if (actor.role === null) return { reply: unmappedReply(actor) };
  try {
    if (isKey(READS, sub)) return { reply: await READS[sub](env.DB, cluster.data, now) };
    const change = CHANGES[sub as keyof typeof CHANGES];
    if (!mayChange(actor)) return { reply: await refuseChange(env.DB, actor, change.action, cluster.data) };
    // A prompt for a cluster that does not exist would only fail after the click: say so now.
    await requireCluster(env.DB, cluster.data);
    return { reply: confirmReply(change.operation, cluster.data, change.what) };
  } catch (err) {
    const missing = notFoundText(err);
    if (missing) return { reply: textReply(missing) };
    throw err;
  }
}
