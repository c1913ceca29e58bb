import { setTimeout as delay } from "node:timers/promises";
import type { z } from "zod";
import type { RunStatus } from "../schema/run-api";
import { ApiFailure, failureFrom, type ApiClient } from "./api-client";
import { RunEventsResponse, RunStateResponse, StreamEnd, StreamedRunEvent } from "./responses";
import { readSse } from "./sse";

/**
 * Follows a run until it ends, handing each event to `onEvent` exactly once
 * and in order. Prefers the SSE stream (`?follow=true`), reconnecting with
 * Last-Event-ID when it drops; falls back to polling the events page and the
 * run when the API has no stream (404/406, or a JSON answer).
 */

export interface RunOutcome {
  status: RunStatus;
  error: string | null;
  durationMs: number | null;
}

type Attempt = { kind: "ended"; outcome: RunOutcome } | { kind: "unsupported" } | { kind: "dropped"; reason: string };

/** Reconnects in a row without a new event before giving up. */
const MAX_RECONNECTS = 8;
const POLL_MS = 500;
const FINISHED: ReadonlySet<RunStatus> = new Set(["succeeded", "failed", "cancelled"]);

export async function followRun(client: ApiClient, runId: string, onEvent: (e: StreamedRunEvent) => void, signal: AbortSignal): Promise<RunOutcome> {
  const cursor = { last: 0 };
  const deliver = (e: StreamedRunEvent) => {
    // A reconnect or a poll may repeat events the stream already gave.
    if (e.id <= cursor.last) return;
    cursor.last = e.id;
    onEvent(e);
  };
  let failures = 0;
  for (;;) {
    const before = cursor.last;
    const attempt = await streamOnce(client, runId, cursor.last, deliver, signal);
    if (attempt.kind === "ended") return attempt.outcome;
    if (attempt.kind === "unsupported") return pollRun(client, runId, cursor, deliver, signal);
    failures = cursor.last > before ? 1 : failures + 1;
    if (failures > MAX_RECONNECTS) throw new ApiFailure(`lost the event stream of run ${runId}: ${attempt.reason}`, 0, "stream_lost");
    await delay(Math.min(250 * 2 ** (failures - 1), 5_000), undefined, { signal });
  }
}

async function streamOnce(client: ApiClient, runId: string, lastId: number, deliver: (e: StreamedRunEvent) => void, signal: AbortSignal): Promise<Attempt> {
  const headers: Record<string, string> = { Accept: "text/event-stream" };
  if (lastId > 0) headers["Last-Event-ID"] = String(lastId);
  let res: Response;
  try {
    res = await client.send("GET", eventsPath(runId), { query: { follow: true }, headers, signal });
  } catch (err) {
    if (err instanceof ApiFailure && err.code === "unreachable") return { kind: "dropped", reason: err.message };
    throw err;
  }
  if (res.status === 404 || res.status === 406) {
    await res.body?.cancel();
    return { kind: "unsupported" };
  }
  if (res.status >= 500) {
    const failure = await failureFrom(res);
    return { kind: "dropped", reason: failure.message };
  }
  if (!res.ok) throw await failureFrom(res);
  if (!res.body || !(res.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    await res.body?.cancel();
    return { kind: "unsupported" };
  }
  try {
    for await (const message of readSse(res.body)) {
      if (message.event === "run-event") deliver(parseData(StreamedRunEvent, message.data, runId));
      else if (message.event === "end") {
        const end = parseData(StreamEnd, message.data, runId);
        return { kind: "ended", outcome: { status: end.status, error: end.error, durationMs: end.durationMs ?? null } };
      }
    }
    return { kind: "dropped", reason: "the stream closed before the run ended" };
  } catch (err) {
    if (signal.aborted || err instanceof ApiFailure) throw err;
    return { kind: "dropped", reason: err instanceof Error ? err.message : String(err) };
  }
}

async function pollRun(client: ApiClient, runId: string, cursor: { last: number }, deliver: (e: StreamedRunEvent) => void, signal: AbortSignal): Promise<RunOutcome> {
  const drain = async () => {
    for (;;) {
      const page = await client.json("GET", eventsPath(runId), RunEventsResponse, { query: { after: cursor.last }, signal });
      const before = cursor.last;
      for (const e of page.events) deliver(e);
      if (page.events.length === 0 || cursor.last === before) return;
    }
  };
  for (;;) {
    await drain();
    const { run } = await client.json("GET", `/v1/runs/${encodeURIComponent(runId)}`, RunStateResponse, { signal });
    if (FINISHED.has(run.status)) {
      // Events written between the last page and the status read.
      await drain();
      return { status: run.status, error: run.error, durationMs: run.durationMs ?? null };
    }
    await delay(POLL_MS, undefined, { signal });
  }
}

function eventsPath(runId: string): string {
  return `/v1/runs/${encodeURIComponent(runId)}/events`;
}

function parseData<S extends z.ZodType>(schema: S, data: string, runId: string): z.infer<S> {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    throw new ApiFailure(`unexpected event in the stream of run ${runId}: not JSON`, 0, "bad_response");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new ApiFailure(`unexpected event in the stream of run ${runId}: ${parsed.error.issues[0]?.message ?? "invalid"}`, 0, "bad_response");
  return parsed.data;
}
