import { DurableObject } from "cloudflare:workers";
import { EnvVars, type Env } from "../core/env";
import { logAttempt, logQueued, type DeliveryStatus } from "./delivery-log";
import { deliverSlackReply, type AttemptResult } from "./deliver-slack-reply";
import { retryDelay } from "./backoff";
import { runFinishedMessage, phaseFinishedMessage, type RunRef } from "./run-message";
import { readRunOutcome } from "./run-outcome";
import type { SlackMessage } from "./slack-message";
import type { DeliveryRoute, PendingDelivery, RunProgressNote, SlackReplyWatch } from "./notify-types";
import { deliverToSubscription } from "./deliver-subscription";
import { eventPayloads } from "./event-payloads";
import { subscriptionsOf } from "./subscriptions-of";

const WATCH = (runId: string) => `watch:${runId}`;
const PENDING = "pending:";
const SEQ_KEY = "seq";

/**
 * One per cluster (idFromName(cluster)): the outbox of its notifications.
 * Deliveries are stored here before anything is sent, sent by the alarm in
 * the order they were queued (per target), and retried with backoff, so a
 * Worker that goes away mid-send loses nothing; each delivery has a row in
 * D1's notification_deliveries (target ids only, never URLs or tokens).
 */
export class NotifyObject extends DurableObject<Env> {
  private queue: Promise<unknown> = Promise.resolve();
  private sending: Promise<unknown> = Promise.resolve();

  /** A run about to start from Slack: report its progress to this invocation (registered first, so no phase end is missed). */
  watchRun(watch: Omit<SlackReplyWatch, "postsUsed" | "responseUrlGone" | "botTs">): Promise<void> {
    return this.serial(() => this.ctx.storage.put(WATCH(watch.runId), { ...watch, postsUsed: 0, responseUrlGone: false, botTs: null } satisfies SlackReplyWatch));
  }

  /** Posts `msg` to the watched run's invoker: that it started, or (final) why it did not. */
  tellInvoker(runId: string, cluster: string, msg: SlackMessage, final: boolean): Promise<void> {
    return this.serial(() => this.enqueue(cluster, runId, final ? "run.refused" : "run.started", { kind: "slack-reply", runId, final }, msg));
  }

  /** The run engine's hook (run-hook.ts): new phase outcomes, the end of a run, what its reports found. */
  runProgress(note: RunProgressNote): Promise<void> {
    return this.serial(async () => {
      const watch = await this.ctx.storage.get<SlackReplyWatch>(WATCH(note.runId));
      const subscriptions = await subscriptionsOf(this.env.DB, note.cluster);
      // Most runs have no listener: then nothing is read or queued.
      if (!watch && subscriptions.length === 0) return;
      const ref: RunRef = { ...note, publicUrl: this.publicUrl() };
      const outcome = note.finished ? await readRunOutcome(this.env.DB, note.runId) : null;
      if (watch) {
        const reply = { kind: "slack-reply", runId: note.runId, final: false } as const;
        for (const phase of note.phases.filter((p) => p.outcome !== "skipped")) await this.enqueue(note.cluster, note.runId, "run.progress", reply, phaseFinishedMessage(ref, phase));
        if (outcome) await this.enqueue(note.cluster, note.runId, "run.finished", { ...reply, final: true }, runFinishedMessage(ref, outcome));
      }
      const payloads = eventPayloads(note, ref, outcome, Date.now());
      if (payloads.length === 0) return;
      for (const sub of subscriptions) {
        for (const p of payloads.filter((p) => sub.events.includes(p.event))) {
          await this.enqueue(note.cluster, note.runId, p.event, { kind: "subscription", subscriptionId: sub.id }, p.slack, JSON.stringify(p.body));
        }
      }
    });
  }

  override alarm(): Promise<void> {
    // Not behind the inputs: a slow receiver must not hold up the run engine's hook.
    const next = this.sending.then(() => this.deliverDue());
    this.sending = next.catch(() => undefined);
    return next;
  }

  private async enqueue(cluster: string, runId: string | null, event: string, route: DeliveryRoute, slack: SlackMessage, payload: string | null = null): Promise<void> {
    const seq = ((await this.ctx.storage.get<number>(SEQ_KEY)) ?? 0) + 1;
    const now = Date.now();
    const target = route.kind === "slack-reply" ? `slack-reply:${route.runId}` : `subscription:${route.subscriptionId}`;
    const delivery: PendingDelivery = { id: `dlv_${crypto.randomUUID()}`, cluster, target, event, runId, route, slack, payload, attempts: 0, nextAt: now, createdAt: now };
    await this.ctx.storage.put({ [SEQ_KEY]: seq, [`${PENDING}${String(seq).padStart(12, "0")}`]: delivery });
    try {
      await logQueued(this.env.DB, { id: delivery.id, cluster, target, event, runId, createdAt: now });
    } catch (err) {
      // The delivery is stored here; a log outage must not lose it.
      console.error(`notify: could not log delivery ${delivery.id}:`, err);
    }
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null || alarm > now) await this.ctx.storage.setAlarm(now);
  }

  /** Sends every due delivery, oldest first; a target whose earlier delivery is still waiting gets nothing newer (order holds). */
  private async deliverDue(): Promise<void> {
    const now = Date.now();
    const pending = await this.ctx.storage.list<PendingDelivery>({ prefix: PENDING });
    const waiting = new Set<string>();
    let next: number | null = null;
    for (const [key, d] of pending) {
      if (waiting.has(d.target) || d.nextAt > now) {
        waiting.add(d.target);
        next = Math.min(next ?? d.nextAt, Math.max(d.nextAt, now + 1000));
        continue;
      }
      const result = await this.attempt(d);
      const attempts = d.attempts + 1;
      if (result.done) {
        await this.ctx.storage.delete(key);
        if (d.route.kind === "slack-reply" && d.route.final) await this.ctx.storage.delete(WATCH(d.route.runId));
        await this.log(d.id, result.status, attempts, result);
        continue;
      }
      const delay = retryDelay(attempts);
      if (delay === null) {
        await this.ctx.storage.delete(key);
        await this.log(d.id, "failed", attempts, result);
        continue;
      }
      await this.ctx.storage.put(key, { ...d, attempts, nextAt: now + delay });
      await this.log(d.id, "pending", attempts, result);
      waiting.add(d.target);
      next = Math.min(next ?? now + delay, now + delay);
    }
    if (next !== null) await this.ctx.storage.setAlarm(next);
  }

  private async attempt(d: PendingDelivery): Promise<AttemptResult> {
    const vars = EnvVars.partial().parse(this.env);
    const config = { botToken: this.env.SLACK_BOT_TOKEN, apiUrl: vars.SLACK_API_URL ?? "https://slack.com/api", allowHttpLoopback: vars.KEEL_ALLOW_HTTP_TARGETS === "true" };
    const route = d.route;
    if (route.kind === "subscription") return deliverToSubscription(this.env.DB, { ...d, route }, { ...config, secretsKey: this.env.KEEL_SECRETS_KEY });
    const watch = await this.ctx.storage.get<SlackReplyWatch>(WATCH(route.runId));
    if (!watch) return { done: true, status: "skipped", lastStatus: null, error: "no Slack invocation to answer" };
    const { result, watch: after } = await deliverSlackReply({ ...d, route }, watch, config);
    await this.ctx.storage.put(WATCH(watch.runId), after);
    return result;
  }

  private async log(id: string, status: DeliveryStatus, attempts: number, r: AttemptResult): Promise<void> {
    try {
      await logAttempt(this.env.DB, id, { status, attempts, lastStatus: r.lastStatus, lastError: r.error });
    } catch (err) {
      console.error(`notify: could not log an attempt of ${id}:`, err);
    }
  }

  private publicUrl(): string | undefined {
    return EnvVars.partial().safeParse(this.env).data?.KEEL_PUBLIC_URL;
  }

  // Inputs interleave at awaits: one at a time keeps the queue's sequence numbers whole.
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
