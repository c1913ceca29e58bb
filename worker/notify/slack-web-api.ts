import { z } from "zod";
import { postJson, type PostResult } from "./http-post";
import type { SlackMessage } from "./slack-message";

/** Slack Web API answers 200 with `ok: false` and an error code when it refuses. */
const SlackApiAnswer = z.object({ ok: z.boolean(), error: z.string().optional(), ts: z.string().optional() });

export interface SlackApiResult extends PostResult {
  ts: string | null;
  /** Slack's own error code (not_in_channel, invalid_auth…): retrying will not help. */
  refused: string | null;
}

/** chat.postMessage, or chat.update when `ts` names the message to edit. */
export async function postWithBot(apiUrl: string, token: string, channel: string, msg: SlackMessage, ts: string | null): Promise<SlackApiResult> {
  const method = ts ? "chat.update" : "chat.postMessage";
  const body = { channel, text: msg.text, blocks: msg.blocks, ...(ts ? { ts } : {}) };
  const res = await postJson(`${apiUrl.replace(/\/+$/, "")}/${method}`, JSON.stringify(body), { authorization: `Bearer ${token}` });
  if (!res.ok) return { ...res, ts: null, refused: null };
  let answer: z.infer<typeof SlackApiAnswer>;
  try {
    answer = SlackApiAnswer.parse(JSON.parse(res.text));
  } catch {
    return { ...res, ok: false, error: `${method}: unreadable answer`, ts: null, refused: null };
  }
  if (!answer.ok) return { ...res, ok: false, error: `${method}: ${answer.error ?? "refused"}`, ts: null, refused: answer.error ?? "refused" };
  return { ...res, ts: answer.ts ?? ts, refused: null };
}
