import type { D1Migration } from "cloudflare:test";
import type { Env as WorkerEnv } from "../../worker/core/env";

// Types for `import { env, exports } from "cloudflare:workers"` in the worker tests.
declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: D1Migration[];
    }
    interface GlobalProps {
      mainModule: typeof import("../../worker/index");
      durableNamespaces: "ClusterObject" | "RelayObject" | "RateLimitObject";
    }
  }
}
