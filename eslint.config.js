import js from "@eslint/js";
import tseslint from "typescript-eslint";

// The import arrows of DESIGN.md, enforced: a wrong import fails `npm run check`.
// When several blocks match a file, the last one's options replace the earlier
// ones' (ESLint does not merge them), so each inner block repeats WORKER_OUTER.
const RESTRICT = "@typescript-eslint/no-restricted-imports";
const restrict = (...patterns) => ({ [RESTRICT]: ["error", { patterns }] });

/** Every file under worker/: worker and relay never import each other, and the Worker has no Node. */
const WORKER_OUTER = [
  { group: ["**/relay/**", "**/cli/**"], message: "worker/ imports only schema/ and itself: never relay/ or cli/." },
  { group: ["ws", "ssh2", "node:*"], message: "the Worker runs on workerd: no Node modules, no ws, no ssh2." },
];

export default tseslint.config(
  { ignores: ["node_modules", "dist", ".wrangler", ".keel", "migrations", "bin", "**/*.d.ts"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-restricted-imports": "off",
    },
  },
  {
    // An allow list: schema/ is the contract both sides share, so it carries no runtime of either.
    files: ["schema/**/*.ts"],
    rules: restrict({ regex: "^(?!(zod|yaml|drizzle-orm/sqlite-core)$|\\./[^/]+$)", message: "schema/ imports only zod, yaml, drizzle-orm/sqlite-core and its own files." }),
  },
  {
    // The simulated hosts are a package of their own that tests, the demo and
    // the benchmarks use: they may lean on schema/ and Node, never on the
    // product code they stand in front of (or the test suites that use them).
    files: ["sim/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: ["**/worker/**", "**/relay/**", "**/cli/**", "**/test/**", "**/scripts/**", "hono", "drizzle-orm", "drizzle-orm/*", "ssh2", "ws"] }] },
  },
  {
    files: ["relay/**/*.ts"],
    rules: restrict({ group: ["**/worker/**", "**/cli/**", "hono", "drizzle-orm", "drizzle-orm/*"], message: "relay/ imports only schema/ and itself: never worker/, cli/, hono or drizzle." }),
  },
  {
    // cli/ is a client of the API: it shares the contracts (schema/), never the server or the relay.
    files: ["cli/*.ts"],
    rules: restrict({ regex: "^\\.\\./(?!schema/)", message: "cli/ imports only schema/ and itself (never worker/ or relay/)." }),
  },
  {
    files: ["cli/*/**/*.ts"],
    rules: restrict({ regex: "^\\.\\./\\.\\./(?!schema/)", message: "cli/ imports only schema/ and itself (never worker/ or relay/)." }),
  },
  { files: ["worker/**/*.ts"], rules: restrict(...WORKER_OUTER) },
  {
    // An allow list: the planner is pure (DESIGN principle 1), so it sees no database, runtime or I/O.
    files: ["worker/planner/**/*.ts"],
    rules: restrict({ regex: "^(?!\\./[^/]+$|\\.\\./\\.\\./schema/[^/]+$)", message: "worker/planner/ imports only schema/ and its own files: it is pure (no drizzle, no cloudflare:workers, no core/)." }),
  },
  {
    // Routes validate, call one service and answer; reading and writing D1 is the services' job.
    files: ["worker/routes/**/*.ts"],
    rules: restrict(...WORKER_OUTER, {
      group: ["drizzle-orm", "drizzle-orm/*", "**/schema/tables", "**/core/db"],
      message: "routes never touch the database: call a service.",
    }),
  },
  {
    // Services are transport-free: they throw KeelError and never see Hono, so a Durable Object or a cron can call them too.
    files: ["worker/services/**/*.ts"],
    rules: restrict(...WORKER_OUTER, {
      group: ["hono", "hono/*", "**/http/**", "**/routes/**"],
      message: "services never see HTTP: no hono, no http/, no routes/ (throw KeelError from schema/errors).",
    }),
  },
  {
    // core/ is the floor under services and runs: it may depend on nothing above it.
    files: ["worker/core/**/*.ts"],
    rules: restrict(
      ...WORKER_OUTER,
      { group: ["**/services/**", "**/routes/**", "**/http/**", "**/auth/**", "**/runs/**"], message: "core/ is the floor: it imports only schema/ and itself." },
      // Env names the Durable Object classes it binds, and the objects take Env: a type-only cycle, erased at build.
      { group: ["**/objects/**"], allowTypeImports: true, message: "core/ may name the Durable Object classes (import type), never load them." },
    ),
  },
  {
    // The run engine sits under services: services call into runs, never the other way round.
    files: ["worker/runs/**/*.ts"],
    rules: restrict(...WORKER_OUTER, {
      group: ["**/services/**", "**/routes/**", "**/http/**", "**/auth/**"],
      message: "worker/runs/ imports core/, planner/ and schema/, never services/, routes/, http/ or auth/.",
    }),
  },
);
