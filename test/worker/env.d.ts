import type { D1Migration } from "cloudflare:test";
import type { Env as WorkerEnv } from "../../worker/core/env";

// Types for `import { env, exports } from "cloudflare:workers"` in the worker tests.
declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: D1Migration[];
      /** The Slack stand-in (test/slack/slack-stand-in.ts) vitest.config.ts started. */
      SLACK_STAND_IN_URL: string;
    }
    interface GlobalProps {
      mainModule: typeof import("../../worker/index");
      durableNamespaces: "ClusterObject" | "RelayObject" | "RateLimitObject" | "NotifyObject";
    }
  }
}
