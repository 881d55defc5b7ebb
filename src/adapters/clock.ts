import { setTimeout as delay } from "node:timers/promises";
import type { Clock } from "../ports/clock.ts";

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    await delay(ms, undefined, signal ? { signal } : undefined);
  },
};

/**
 * A clock shifted by `offsetMs`. The devnet replaying history runs its chain in the past; stale-data
 * checks there compare block times against this clock started at the chain's first block.
 */
export function shiftedClock(base: Clock, offsetMs: number): Clock {
  return { now: () => base.now() + offsetMs, sleep: (ms, signal) => base.sleep(ms, signal) };
}
