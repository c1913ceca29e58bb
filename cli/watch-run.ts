import { z } from "zod";
import type { ApiClient } from "./api-client";
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, type CliIo } from "./command";
import { followRun } from "./follow-run";
import { closingLine, formatRunEvent } from "./print-run";
import { printFailure } from "./report-failure";

/** How long a Ctrl-C waits for the API to accept the cancel before giving up. */
const CANCEL_TIMEOUT_MS = 10_000;

/**
 * Prints a run's events until it ends: exit 0 if it succeeded, 1 if it failed
 * or was cancelled. Ctrl-C asks the API to cancel the run and exits 130; a
 * second Ctrl-C while that request is out exits at once.
 */
export async function watchRun(client: ApiClient, runId: string, io: CliIo): Promise<number> {
  const started = Date.now();
  const controller = new AbortController();
  const stopListening = io.onInterrupt(() => controller.abort());
  io.err(`run ${runId} (Ctrl-C cancels it)`);

  let sawFinish = false;
  try {
    const outcome = await followRun(
      client,
      runId,
      (e) => {
        if (e.type === "run.finished") sawFinish = true;
        io.out(formatRunEvent(e));
      },
      controller.signal,
    );
    const last = closingLine(outcome, sawFinish, Date.now() - started);
    if (last !== null) io.out(last);
    return outcome.status === "succeeded" ? EXIT_OK : EXIT_FAILED;
  } catch (err) {
    if (!controller.signal.aborted) throw err;
  } finally {
    stopListening();
  }

  io.err(`interrupted: cancelling run ${runId}`);
  try {
    await client.json("POST", `/v1/runs/${encodeURIComponent(runId)}/cancel`, z.unknown(), { signal: AbortSignal.timeout(CANCEL_TIMEOUT_MS) });
    io.err(`run ${runId}: cancel requested (see it end with: keel runs follow ${runId})`);
  } catch (err) {
    printFailure(io, err);
  }
  return EXIT_INTERRUPTED;
}
