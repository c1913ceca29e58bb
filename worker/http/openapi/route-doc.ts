import type { z } from "zod";
import type { Role } from "../../../schema/api";
import type { ErrorCode } from "../../../schema/errors";

/**
 * One route as /openapi.json describes it. Each routes-*.ts file beside this
 * one lists the routes of one worker/routes file; route-docs.ts collects them.
 * The schemas are the very ones the route parses with, so the document cannot
 * drift from what the route accepts.
 */
export interface RouteDoc {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Exactly as the app registers it (`app.routes`), Hono syntax: `/v1/clusters/:name`. */
  path: string;
  /**
   * Who may call it: the role requireRole asks for; "relay" for a relay token
   * (requireRelay); "slack" for a Slack-signed request (X-Slack-Signature);
   * "webhook" for an HMAC-signed webhook (webhook-signature); "public" for anyone.
   */
  access: RouteAccess;
  summary: string;
  description?: string;
  /** Every `:param` of the path, by name, with the schema the route validates it with. */
  params?: Record<string, z.ZodType>;
  /** The query schema the route validates `c.req.query()` with. */
  query?: z.ZodType;
  /** Request headers the route reads, by lower-case name. */
  headers?: Record<string, z.ZodType>;
  body?: BodyDoc;
  /** Success answers by status. */
  responses: Record<number, ResponseDoc>;
  /**
   * Error codes the route's service can answer with, beyond the ones every
   * route of its kind gets (credential and rate-limit codes from `access`,
   * validation_failed for params/query/body, the body-reading codes, internal).
   */
  errors?: ErrorCode[];
}

export type RouteAccess = Role | "relay" | "slack" | "webhook" | "public";

export interface BodyDoc {
  /** The JSON body's schema (sent as application/json). */
  json?: z.ZodType;
  /** An application/x-www-form-urlencoded body's fields (Slack's slash commands). */
  form?: z.ZodType;
  /** Other media types the route also reads, each as plain text (a k0sctl.yaml). */
  text?: string[];
  description?: string;
}

export interface ResponseDoc {
  description: string;
  /** Media type → schema; `"text"` for a body that is plain text of that type. */
  content?: Record<string, z.ZodType | "text">;
}

/** A JSON success answer. */
export function json(schema: z.ZodType, description: string): ResponseDoc {
  return { description, content: { "application/json": schema } };
}

/** Tags every route of one file alike, so the docs page groups them. */
export interface RouteGroup {
  tag: string;
  description: string;
  routes: RouteDoc[];
}
