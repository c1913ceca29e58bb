#!/usr/bin/env node
// Runs the TypeScript relay directly (tsx), so the jump host needs no build step.
import { register } from "tsx/esm/api";
register();
await import("../relay/main.ts");
