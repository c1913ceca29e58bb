import { defineConfig } from "vitest/config";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";

// Four projects: unit tests (schema, planner, the CLI against a stub API; no
// simulated hosts) and relay/e2e tests run in Node (real sshd, real ws); worker
// tests run inside workerd with real local D1 and Durable Objects.
export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["test/schema/**/*.test.ts", "test/planner/**/*.test.ts", "test/runs/**/*.test.ts", "test/lb/**/*.test.ts", "test/cli/**/*.test.ts"], environment: "node" } },
      { test: { name: "relay", include: ["test/relay/**/*.test.ts", "test/sim/**/*.test.ts"], environment: "node", testTimeout: 60_000, hookTimeout: 60_000, fileParallelism: false } },
      { test: { name: "e2e", include: ["test/e2e/**/*.test.ts"], environment: "node", testTimeout: 180_000, hookTimeout: 180_000, fileParallelism: false } },
      {
        plugins: [
          cloudflareTest(async () => ({
            main: "./worker/index.ts",
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                KEEL_ADMIN_TOKEN: "test-admin-token-0123456789abcdef",
                RELAY_WAIT_SECONDS: "2",
                TEST_MIGRATIONS: await readD1Migrations("./migrations"),
              },
            },
          })),
        ],
        test: { name: "worker", include: ["test/worker/**/*.test.ts"], setupFiles: ["./test/worker/apply-migrations.ts"] },
      },
    ],
  },
});
