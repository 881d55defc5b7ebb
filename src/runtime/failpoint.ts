import { writeFileSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";

/**
 * Crash-test hook. When `KEEL_FAILPOINT` names this point, write the marker file
 * (`KEEL_FAILPOINT_MARKER`) and wait forever, so a test can SIGKILL the process exactly here.
 * A no-op otherwise.
 */
export async function failpoint(name: string): Promise<void> {
  if (process.env.KEEL_FAILPOINT !== name) return;
  const marker = process.env.KEEL_FAILPOINT_MARKER;
  if (marker) writeFileSync(marker, `${name}\n`);
  for (;;) await delay(60_000);
}
