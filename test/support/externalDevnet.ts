// `keel devnet` in its own process and a live-mode config for a daemon pointed at it (e2e tests that kill or
// refuse the daemon without taking the chain with it).
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { DEVNET_ACCOUNTS, devnetKey, feedsBySymbol } from "../../src/devnet/accounts.ts";
import { tempStateDir } from "./daemon.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
/** The devnet keeper's key (given to a live-mode daemon as a secret in the environment). */
export const keeperKey = devnetKey(DEVNET_ACCOUNTS.keeper);

/** A `keel devnet` process: a chain the daemon can treat as live. */
export interface ExternalDevnet {
  readonly child: ChildProcess;
  readonly rpcUrl: string;
  readonly deployment: { vault: string; allocator: string; oracles: Record<string, string> };
  stop(): Promise<void>;
}

/**
 * `keel devnet` in its own process, so killing the daemon does not take the chain with it. `env` adds
 * to (or overrides) the quiet, fast defaults below.
 */
export async function startExternalDevnet(env: Readonly<Record<string, string>> = {}): Promise<ExternalDevnet> {
  const dir = tempStateDir("keel-devnet-");
  const child = spawn(process.execPath, ["src/main.ts", "devnet", "--port", "0", "--state-dir", dir], {
    cwd: ROOT,
    env: {
      ...process.env,
      KEEL__LOG__LEVEL: "warn",
      KEEL__DEVNET__EPISODES: "false",
      KEEL__DEVNET__STEP_INTERVAL_MS: "400",
      ...env,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const file = join(dir, "deployment.json");
  for (let i = 0; !existsSync(file); i++) {
    if (i > 600 || child.exitCode !== null) throw new Error(`devnet did not start: ${stderr}`);
    await delay(100);
  }
  const deployment = JSON.parse(readFileSync(file, "utf8"));
  return {
    child,
    rpcUrl: deployment.rpcUrl,
    deployment,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    },
  };
}

/** A live-mode config pointing the daemon at the external devnet (keys and URL as secrets in the environment). */
export function liveConfig(stateDir: string, d: ExternalDevnet): string {
  const oracles = feedsBySymbol(d.deployment.oracles);
  const path = join(stateDir, "keel.json");
  writeFileSync(
    path,
    JSON.stringify({
      chain: { chainId: 31337, rpcUrls: [{ env: "KEEL_TEST_RPC" }], confirmations: 0 },
      contracts: { vault: d.deployment.vault, allocator: d.deployment.allocator, oracles, nativePriceSymbol: "kWETH" },
      schedule: { onNewBlock: true, pollIntervalMs: 200 },
      execution: {
        mode: "live",
        keeper: { type: "privateKey", key: { env: "KEEL_TEST_KEEPER_KEY" } },
        receiptTimeoutMs: 10_000,
      },
      model: { path: "models/none/model.onnx" },
    }),
  );
  return path;
}
