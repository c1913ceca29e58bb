import type { PhaseOutcome } from "./run-message";
import type { SlackMessage } from "./slack-message";

/** Where a run started from Slack reports back: the invocation's response_url, and the channel for the bot once that is used up. */
export interface SlackReplyWatch {
  runId: string;
  cluster: string;
  operation: string;
  requestedBy: string;
  /** A credential for 30 minutes: kept in this object's storage only, never in D1 or a log. */
  responseUrl: string;
  channel: string | null;
  registeredAt: number;
  /** Posts made to responseUrl (Slack allows 5 within 30 minutes). */
  postsUsed: number;
  /** Slack answered 404/410: the URL is gone. */
  responseUrlGone: boolean;
  /** The bot's message for this run, once posted: later updates edit it (chat.update). */
  botTs: string | null;
}

/** What the run engine hands over after a mirror write: the events that matter to people, and what the reports found. */
export interface RunProgressNote {
  runId: string;
  cluster: string;
  operation: string;
  requestedBy: string;
  phases: PhaseOutcome[];
  finished: boolean;
  /** Leaves found within their warning window by this write's certificate reports. */
  expiringCertificates: { host: string; path: string; notAfter: number }[];
  /** Backups whose verification failed in this write. */
  failedBackups: { id: string; error: string | null }[];
}

export type DeliveryRoute = { kind: "slack-reply"; runId: string; final: boolean } | { kind: "subscription"; subscriptionId: string };

/** A queued delivery, in this object's storage until it is delivered, fails for good or is skipped. */
export interface PendingDelivery {
  id: string;
  cluster: string;
  /** The log's target id (never a URL). */
  target: string;
  event: string;
  runId: string | null;
  route: DeliveryRoute;
  /** What a Slack target gets. */
  slack: SlackMessage;
  /** What a webhook gets: the exact body, signed anew (same webhook-id) at each attempt. */
  payload: string | null;
  attempts: number;
  nextAt: number;
  createdAt: number;
}
