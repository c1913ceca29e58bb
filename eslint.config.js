import js from "@eslint/js";
import tseslint from "typescript-eslint";

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
    // The arrows of DESIGN.md: schema imports only zod, drizzle's sqlite-core and yaml;
    // worker and relay never import each other.
    files: ["schema/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: ["../worker/*", "../relay/*", "../cli/*", "hono", "ws", "ssh2", "node:*"] }],
    },
  },
  {
    files: ["worker/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: ["**/relay/**", "**/cli/**", "ws", "ssh2", "node:*"] }] },
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
    rules: { "no-restricted-imports": ["error", { patterns: ["**/worker/**", "**/cli/**", "hono", "drizzle-orm", "drizzle-orm/*"] }] },
  },
);
