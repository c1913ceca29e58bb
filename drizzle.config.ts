import { defineConfig } from "drizzle-kit";

// Migrations are generated from schema/tables.ts and applied by wrangler
// (`wrangler d1 migrations apply`) and by the worker tests (applyD1Migrations).
export default defineConfig({
  dialect: "sqlite",
  schema: "./schema/tables.ts",
  out: "./migrations",
});
