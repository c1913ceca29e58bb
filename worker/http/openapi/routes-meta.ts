import { z } from "zod";
import { json, type RouteGroup } from "./route-doc";

// No schema module holds these two: they are the answers of routes that carry no data of keel's.
const HealthResponse = z.object({ ok: z.literal(true) });
const OpenApiJson = z.looseObject({ openapi: z.literal("3.1.0") });

/** app.ts's /healthz and worker/routes/openapi.ts: public, no token. */
export const metaRouteDocs: RouteGroup = {
  tag: "meta",
  description: "Liveness and this document. No token needed.",
  routes: [
    { method: "GET", path: "/healthz", access: "public", summary: "Liveness", responses: { 200: json(HealthResponse, "the Worker answers") } },
    { method: "GET", path: "/openapi.json", access: "public", summary: "This OpenAPI 3.1 document", responses: { 200: json(OpenApiJson, "the document") } },
    { method: "GET", path: "/docs", access: "public", summary: "This document as an HTML page", responses: { 200: { description: "the page", content: { "text/html": "text" } } } },
  ],
};
