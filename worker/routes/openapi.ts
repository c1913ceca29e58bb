import { Hono } from "hono";
import type { AppEnv } from "../http/app-env";
import { openApiDocument } from "../http/openapi/build-document";
import { renderDocsPage } from "../http/openapi/docs-page";

/**
 * The API's own description. Public: it says what the API takes and answers,
 * nothing about any cluster, and a client needs it before it has a token
 * (docs/adr/0009-openapi-from-zod.md).
 */
export const openApiRoutes = new Hono<AppEnv>()
  .get("/openapi.json", (c) => c.json(openApiDocument()))
  .get("/docs", (c) =>
    c.html(renderDocsPage(openApiDocument()), 200, {
      // The page is self-contained: no script runs, nothing loads from elsewhere.
      "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    }),
  );
