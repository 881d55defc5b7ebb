import { writeFileSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
import type { Stage } from "../pipeline/stage.ts";
import type { Stages } from "../pipeline/types.ts";

/**
 * Crash-test hook. When `KEEL_FAILPOINT` names this point, write the marker file
 * (`KEEL_FAILPOINT_MARKER`) and wait — until `signal` aborts, or forever — so a test can SIGKILL
 * (or SIGTERM) the process exactly here. A no-op otherwise.
 */
export async function failpoint(name: string, signal?: AbortSignal): Promise<void> {
  if (process.env.KEEL_FAILPOINT !== name) return;
  const marker = process.env.KEEL_FAILPOINT_MARKER;
  if (marker) writeFileSync(marker, `${name}\n`);
  for (;;) {
    signal?.throwIfAborted();
    try {
      await delay(60_000, undefined, signal ? { signal } : undefined);
    } catch {
      signal?.throwIfAborted();
    }
  }
}

/** Each stage gets a `stage:<name>` failpoint before it runs (crash tests); a no-op unless KEEL_FAILPOINT names it. */
export function withStageFailpoints(stages: Stages): Stages {
  const wrap = <I, O>(name: string, stage: Stage<I, O>): Stage<I, O> => ({
    run: async (input, signal) => {
      await failpoint(`stage:${name}`, signal);
      return stage.run(input, signal);
    },
  });
  return {
    ingest: wrap("ingest", stages.ingest),
    predict: wrap("predict", stages.predict),
    riskGate: wrap("riskGate", stages.riskGate),
    optimize: wrap("optimize", stages.optimize),
    gasCheck: wrap("gasCheck", stages.gasCheck),
    execute: wrap("execute", stages.execute),
  };
}
