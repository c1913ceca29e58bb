import type { ApiClient } from "./api-client";

export interface RunEvent {
  id: number;
  level: "info" | "warn" | "error";
  type: string;
  phase: string | null;
  host: string | null;
  message: string;
}

export interface RunView {
  id: string;
  status: string;
  error: string | null;
}

const FINISHED = new Set(["succeeded", "failed", "cancelled"]);

/** Poll a run's events until it ends, handing each to `print`; returns the final run. */
export async function followRun(client: ApiClient, runId: string, print: (e: RunEvent) => void, timeoutMs = 600_000): Promise<RunView> {
  let after = 0;
  const deadline = Date.now() + timeoutMs;
  // Events come in pages: read until a page comes back empty.
  const drain = async () => {
    for (;;) {
      const page = (await client.call("GET", `/v1/runs/${runId}/events?after=${after}`)) as { events: RunEvent[] };
      if (page.events.length === 0) return;
      for (const e of page.events) {
        print(e);
        after = Math.max(after, e.id);
      }
    }
  };
  for (;;) {
    await drain();
    const run = ((await client.call("GET", `/v1/runs/${runId}`)) as { run: RunView }).run;
    if (FINISHED.has(run.status)) {
      await drain();
      return run;
    }
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${run.status} after ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** k0sctl's log format: `INFO ==> Running phase: …`, `WARN [ssh] …`. */
export function formatEvent(e: RunEvent): string {
  return `${e.level.toUpperCase().padEnd(4)} ${e.message}`;
}
