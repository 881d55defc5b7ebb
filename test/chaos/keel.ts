// The real `keel run` under chaos: its config (three RPC endpoints behind fault proxies, secrets from the
// environment), the process itself (scheduler, HTTP /metrics, signals), kill -9 and restart on the same state.
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEVNET_NATIVE_SYMBOL, feedsBySymbol } from "../../src/devnet/accounts.ts";
import type { Devnet } from "../../src/devnet/devnet.ts";
import { type DaemonHandle, startDaemon } from "../support/daemon.ts";

/** Limits the daemon is configured with and the invariants share. */
export const PROCESS_LIMITS = { oracleHeartbeatSeconds: 7_200, depegStopPct: 1, confirmations: 1 } as const;

/** The devnet allocator's cool-down between rebalances (s); the daemon is configured with the same. */
export const COOLDOWN_SECONDS = 300;

/** Seeded mutants a run can swap in (by a module resolve hook, so src/ carries no test switch). */
export const MUTANTS = ["nonce-chain-pending-only"] as const;
export type Mutant = (typeof MUTANTS)[number];

const MUTANT_HOOK = fileURLToPath(new URL("./mutants/register.ts", import.meta.url));

/** The secrets the daemon is given: none of them may appear in anything it writes. */
export interface ChaosSecrets {
  readonly keeperKey: string;
  readonly guardianKey: string;
  /** A token in every RPC URL's path, as a provider API key would be. */
  readonly rpcToken: string;
}

/** Writes `<stateDir>/keel.json` for the devnet behind `rpcUrls`; returns its path and the secret environment. */
export function writeProcessConfig(
  devnet: Devnet,
  rpcUrls: readonly string[],
  stateDir: string,
  secrets: ChaosSecrets,
): { path: string; env: Record<string, string> } {
  const d = devnet.deployment;
  const env: Record<string, string> = {
    KEEL_CHAOS_KEEPER_KEY: secrets.keeperKey,
    KEEL_CHAOS_GUARDIAN_KEY: secrets.guardianKey,
  };
  rpcUrls.forEach((u, i) => {
    env[`KEEL_CHAOS_RPC_${i}`] = `${u}/v3/${secrets.rpcToken}`;
  });
  const config = {
    chain: {
      chainId: d.chainId,
      rpcUrls: rpcUrls.map((_, i) => ({ env: `KEEL_CHAOS_RPC_${i}` })),
      requestTimeoutMs: 1_000,
      maxRetries: 1,
      degradedAfterFailures: 5,
      breakerCooldownMs: 1_000,
      confirmations: PROCESS_LIMITS.confirmations,
    },
    contracts: {
      vault: d.vault,
      allocator: d.allocator,
      oracles: feedsBySymbol(d.oracles),
      nativePriceSymbol: DEVNET_NATIVE_SYMBOL,
    },
    schedule: { onNewBlock: true, pollIntervalMs: 250, tickTimeoutMs: 10_000 },
    // The devnet allocator's cool-down; every market step moves the chain an hour.
    strategy: {
      cooldownSeconds: COOLDOWN_SECONDS,
      horizonDays: 90,
      minGainToCostRatio: 1,
      maxRebalancesPerDay: 24,
      minMoveUnits: 1,
      switching: { minHoldHours: 0, confirmHours: 0, holdingDays: 365 },
    },
    risk: {
      maxDataAgeSeconds: PROCESS_LIMITS.oracleHeartbeatSeconds,
      oracleHeartbeatSeconds: PROCESS_LIMITS.oracleHeartbeatSeconds,
      depegStopPct: PROCESS_LIMITS.depegStopPct,
    },
    execution: {
      // A config with RPC URLs starts in shadow mode (decide only): the chaos daemon must send.
      mode: "live",
      route: "direct",
      keeper: { type: "privateKey", key: { env: "KEEL_CHAOS_KEEPER_KEY" } },
      guardian: { type: "privateKey", key: { env: "KEEL_CHAOS_GUARDIAN_KEY" } },
      receiptTimeoutMs: 3_000,
    },
    http: { port: 0 },
    state: { dir: stateDir },
  };
  const path = join(stateDir, "keel.json");
  writeFileSync(path, JSON.stringify(config, null, 2));
  return { path, env };
}

/** Starts `keel run --config <path>` on `stateDir` (optionally with a seeded mutant); waits for its runtime file. */
export async function startKeel(opts: {
  config: { path: string; env: Record<string, string> };
  stateDir: string;
  mutant?: Mutant | undefined;
}): Promise<DaemonHandle> {
  // A SIGKILLed daemon leaves its runtime file behind: the next one must publish its own.
  rmSync(join(opts.stateDir, "runtime.json"), { force: true });
  const env: Record<string, string> = { ...opts.config.env, KEEL__LOG__LEVEL: "debug" };
  if (opts.mutant) {
    env.KEEL_CHAOS_MUTANT = opts.mutant;
    env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ""} --import ${MUTANT_HOOK}`.trim();
  }
  return startDaemon({ args: ["--config", opts.config.path], env, stateDir: opts.stateDir, timeoutMs: 60_000 });
}
