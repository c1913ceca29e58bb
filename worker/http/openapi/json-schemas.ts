import { z } from "zod";
import type { JsonSchema } from "./document-types";
import { SCHEMA_NAMES } from "./named-schemas";

/**
 * Turns zod schemas into the document's JSON Schemas with zod's own
 * z.toJSONSchema (docs/adr/0009-openapi-from-zod.md). Requests are described
 * as clients send them (io "input": defaults optional, coerced query values),
 * responses as the API answers them (io "output"). A schema with an export
 * name becomes `#/components/schemas/<name>`; any other is inlined.
 */
export class JsonSchemas {
  readonly components: Record<string, JsonSchema> = {};
  private readonly keys = new Map<string, { schema: z.ZodType; io: Io }>();

  /** The schema, inline. */
  inline(schema: z.ZodType, io: Io): JsonSchema {
    const { $schema: _, ...converted } = z.toJSONSchema(schema, { io, target: "draft-2020-12" }) as JsonSchema;
    // Only a recursive schema gets $defs, and its "#/$defs/…" refs would point at the document's root.
    if ("$defs" in converted) throw new Error("openapi: a recursive schema cannot be inlined; give it an export name in a schema module");
    return converted;
  }

  /** A `$ref` to the named component (added on first use), or the schema inline when it has no name. */
  ref(schema: z.ZodType, io: Io): JsonSchema {
    const name = SCHEMA_NAMES.get(schema);
    if (name === undefined) return this.inline(schema, io);
    // A schema used both ways reads differently (defaults, transforms): the request side gets its own name.
    let key = name;
    const held = this.keys.get(key);
    if (held !== undefined && held.io !== io) key = `${name}${io === "input" ? "Input" : "Output"}`;
    if (!this.keys.has(key)) {
      this.keys.set(key, { schema, io });
      this.components[key] = this.inline(schema, io);
    }
    return { $ref: `#/components/schemas/${key}` };
  }
}

export type Io = "input" | "output";
