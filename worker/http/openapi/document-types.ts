/** The parts of an OpenAPI 3.1 document that keel writes (and its tests and docs page read). */

/** A JSON Schema (2020-12) as z.toJSONSchema emits it. */
export type JsonSchema = Record<string, unknown>;

export interface ParameterObject {
  name: string;
  in: "path" | "query" | "header";
  required: boolean;
  schema: JsonSchema;
}

export interface MediaObject {
  schema: JsonSchema;
}

export interface ResponseObject {
  description: string;
  content?: Record<string, MediaObject>;
  "x-keel-error-codes"?: string[];
}

export interface OperationObject {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  /** Who may call it: viewer, operator or admin (an API token's role), relay (a relay token), slack or webhook (a signed request), or public. */
  "x-keel-role": string;
  security: Record<string, string[]>[];
  parameters?: ParameterObject[];
  requestBody?: { required: boolean; description?: string; content: Record<string, MediaObject> };
  responses: Record<string, ResponseObject>;
}

export type PathItem = Partial<Record<"get" | "post" | "put" | "patch" | "delete", OperationObject>>;

export interface OpenApiDocument {
  openapi: "3.1.0";
  info: { title: string; version: string; description: string };
  tags: { name: string; description: string }[];
  paths: Record<string, PathItem>;
  components: {
    securitySchemes: Record<string, SecurityScheme>;
    schemas: Record<string, JsonSchema>;
  };
  /** The one code → HTTP status table (worker/http/errors.ts). */
  "x-keel-error-status": Record<string, number>;
}

export type SecurityScheme = { type: "http"; scheme: "bearer"; description: string } | { type: "apiKey"; in: "header"; name: string; description: string };
