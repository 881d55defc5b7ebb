// The in-process daemon's config on the devnet (the soak bench's worker and the history restart test).

import { DEVNET_NATIVE_SYMBOL, feedsBySymbol } from "../../src/devnet/accounts.ts";
import type { Devnet } from "../../src/devnet/devnet.ts";

/** Chaos daemon config: short timeouts so faults cost milliseconds, the same limits the invariants use. */
const CHAOS_LIMITS = { oracleHeartbeatSeconds: 3_600, depegStopPct: 1 } as const;

/** The daemon's config on this devnet through `rpcUrl`: short timeouts so faults cost milliseconds. */
export function daemonConfig(
  devnet: Devnet,
  rpcUrl: string,
  stateDir: string,
  over: { state?: Record<string, unknown>; rest?: Record<string, unknown> } = {},
): { raw: unknown; env: Record<string, string> } {
  const d = devnet.deployment;
  const oracles = feedsBySymbol(d.oracles);
  return {
    raw: {
      chain: {
        rpcUrls: [{ env: "KEEL_CHAOS_RPC_URL" }],
        requestTimeoutMs: 300,
        maxRetries: 1,
        degradedAfterFailures: 5,
        breakerCooldownMs: 500,
      },
      contracts: { vault: d.vault, allocator: d.allocator, oracles, nativePriceSymbol: DEVNET_NATIVE_SYMBOL },
      execution: {
        mode: "live",
        keeper: { type: "privateKey", key: { env: "KEEL_CHAOS_KEEPER_KEY" } },
        guardian: { type: "privateKey", key: { env: "KEEL_CHAOS_GUARDIAN_KEY" } },
      },
      risk: { ...CHAOS_LIMITS },
      ...over.rest,
      schedule: { tickTimeoutMs: 5_000 },
      state: { dir: stateDir, ...over.state },
      http: { port: 0 },
    },
    env: {
      KEEL_CHAOS_RPC_URL: rpcUrl,
      KEEL_CHAOS_KEEPER_KEY: devnet.keys.keeper,
      KEEL_CHAOS_GUARDIAN_KEY: devnet.keys.guardian,
    },
  };
}
