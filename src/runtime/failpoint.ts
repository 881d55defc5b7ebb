import { writeFileSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";

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
