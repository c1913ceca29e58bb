import { defineConfig } from "vitest/config";
import LongestFirst from "./test/sequencer";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { startSlackStandIn, type SlackStandIn } from "./test/slack/slack-stand-in";

// The worker tests' Slack (response_url and Web API): a Node server workerd
// can reach, started once with the config and never holding the process open.
let slack: Promise<SlackStandIn> | undefined;

// Four projects: unit tests (schema, planner, the CLI against a stub API; no
// simulated hosts) and relay/e2e tests run in Node (real sshd, real ws); worker
// tests run inside workerd with real local D1 and Durable Objects.
//
// Files run side by side, across projects too: every file that starts
// simulated hosts has a loopback range of its own (sim/README.md lists them),
// and most of an e2e file's time is spent waiting on hosts, not on the CPU.
// (A project with fileParallelism off would run after everything else, one
// file at a time.)
export default defineConfig({
  test: {
    maxWorkers: 4,
    // Longest files first across all projects (test/sequencer.ts).
    sequence: { sequencer: LongestFirst },
    projects: [
      { test: { name: "unit", include: ["test/schema/**/*.test.ts", "test/planner/**/*.test.ts", "test/runs/**/*.test.ts", "test/lb/**/*.test.ts", "test/cli/**/*.test.ts"], environment: "node", testTimeout: 60_000 } },
      { test: { name: "relay", include: ["test/relay/**/*.test.ts", "test/sim/**/*.test.ts"], environment: "node", testTimeout: 60_000, hookTimeout: 60_000 } },
      { test: { name: "e2e", include: ["test/e2e/**/*.test.ts"], environment: "node", testTimeout: 240_000, hookTimeout: 240_000 } },
      {
        plugins: [
          cloudflareTest(async () => {
            slack ??= startSlackStandIn();
            const standIn = await slack;
            return {
              main: "./worker/index.ts",
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: {
                  KEEL_ADMIN_TOKEN: "test-admin-token-0123456789abcdef",
                  RELAY_WAIT_SECONDS: "2",
                  // A throwaway Ed25519 key (PKCS8 DER, base64) for signed audit checkpoints; never a deployment's.
                  AUDIT_SIGNING_KEY: "MC4CAQAwBQYDK2VwBCIEILw90Uday0QRqMXNX0NgAbBaCGgJ6loP/IyQLjWzUFIk",
                  TEST_MIGRATIONS: await readD1Migrations("./migrations"),
                  SLACK_SIGNING_SECRET: "test-slack-signing-secret",
                  SLACK_BOT_TOKEN: "xoxb-test-bot-token",
                  SLACK_API_URL: `${standIn.url}/api`,
                  SLACK_STAND_IN_URL: standIn.url,
                  KEEL_ALLOW_HTTP_TARGETS: "true",
                  // base64 of 32 bytes: seals webhook secrets and notification URLs (worker/core/secret-box.ts).
                  KEEL_SECRETS_KEY: "a2VlbC10ZXN0LXNlY3JldHMta2V5LTMyLWJ5dGVzISE=",
                },
              },
            };
          }),
        ],
        // Generous: the fuzz and the concurrency tests share two cores with the e2e files.
        test: { name: "worker", include: ["test/worker/**/*.test.ts"], setupFiles: ["./test/worker/apply-migrations.ts"], testTimeout: 120_000 },
      },
    ],
  },
});
