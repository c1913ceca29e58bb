/** A Slack message as keel posts it (response_url, chat.postMessage, incoming webhook): fallback text plus Block Kit blocks. */
export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
  response_type?: "ephemeral" | "in_channel";
  replace_original?: boolean;
}

export type SlackText = { type: "mrkdwn" | "plain_text"; text: string };
export type SlackBlock = { type: string } & Record<string, unknown>;

// Block Kit limits: section text ≤ 3000, header ≤ 150, 50 blocks, 10 fields.
const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export const header = (text: string): SlackBlock => ({ type: "header", text: { type: "plain_text", text: cut(text, 150), emoji: true } });
export const section = (text: string): SlackBlock => ({ type: "section", text: { type: "mrkdwn", text: cut(text, 3000) } });
export const fields = (pairs: [string, string][]): SlackBlock => ({
  type: "section",
  fields: pairs.slice(0, 10).map(([k, v]) => ({ type: "mrkdwn", text: cut(`*${k}*\n${v}`, 2000) })),
});
export const context = (text: string): SlackBlock => ({ type: "context", elements: [{ type: "mrkdwn", text: cut(text, 3000) }] });

/** Text from keel's own data goes into mrkdwn: &, < and > must be escaped (Slack's rule), so a name cannot forge a link or mention. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A message of at most 50 blocks (Slack refuses more). */
export function message(text: string, blocks: SlackBlock[], extra: Partial<SlackMessage> = {}): SlackMessage {
  return { text: cut(text, 3000), blocks: blocks.slice(0, 50), ...extra };
}
