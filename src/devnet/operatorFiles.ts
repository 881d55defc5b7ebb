import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Wallet } from "ethers";
import { stringify } from "yaml";
import { writeFileAtomic } from "../adapters/fs/atomicFile.ts";
import { DEVNET_ACCOUNTS, DEVNET_NATIVE_SYMBOL, devnetKey, feedsBySymbol } from "./accounts.ts";
import { DEFAULT_BOUNDS } from "./deploy/keel.ts";
import type { Devnet } from "./devnet.ts";
import type { OperatorServices } from "./operator.ts";

/** What `keel devnet` writes in its directory. */
export interface DevnetFiles {
  readonly deployment: string;
  readonly config: string;
}

const REGION = "us-east-1";

function secretFile(dir: string, name: string, value: string): { file: string } {
  const path = join(dir, name);
  writeFileSync(path, `${value}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return { file: path };
}

/** The role accounts by name: the devnet's accounts, and the Safe's owners when a Safe was deployed. */
function roleAccounts(services: OperatorServices) {
  const account = (index: number) => ({ index, address: new Wallet(devnetKey(index)).address });
  return {
    ...Object.fromEntries(Object.entries(DEVNET_ACCOUNTS).map(([role, index]) => [role, account(index)])),
    ...(services.safe ? { signers: services.safe.owners } : {}),
  };
}

/** The signer spec of a role: its key in the local KMS when there is one, else its key file. */
function roleSigner(keysDir: string, role: "keeper" | "guardian" | "manager", services: OperatorServices) {
  const kms = services.kms;
  if (kms && role !== "manager")
    return { type: "kms", keyId: kms.keyIds[role], region: REGION, endpoint: kms.server.endpoint };
  return { type: "privateKey", key: secretFile(keysDir, `${role}.key`, devnetKey(DEVNET_ACCOUNTS[role])) };
}

/**
 * Writes `deployment.json` (RPC URL, chain id, named role accounts, contracts, Safe, relay, KMS) and a
 * ready `keel.yaml` for `keel run --config` in live mode against this devnet: secrets (the RPC URL, the
 * relay URL, keys not in KMS) as files under `keys/` (0600), sources labelled, the state in `state/`.
 */
export function writeDevnetFiles(dir: string, devnet: Devnet, services: OperatorServices): DevnetFiles {
  const abs = resolve(dir);
  const keysDir = join(abs, "keys");
  mkdirSync(keysDir, { recursive: true, mode: 0o700 });
  const d = devnet.deployment;
  const deployment = join(abs, "deployment.json");
  writeFileAtomic(
    deployment,
    `${JSON.stringify(
      {
        rpcUrl: devnet.rpcUrl,
        accounts: roleAccounts(services),
        ...d,
        ...(services.safe
          ? {
              safe: {
                address: services.safe.address,
                threshold: services.safe.threshold,
                owners: services.safe.owners.map((o) => o.address),
                contracts: services.safe.contracts,
              },
            }
          : {}),
        ...(services.relay ? { relay: { url: services.relay.url } } : {}),
        ...(services.kms
          ? { kms: { endpoint: services.kms.server.endpoint, region: REGION, keyIds: services.kms.keyIds } }
          : {}),
      },
      null,
      2,
    )}\n`,
  );
  const config = {
    chain: { chainId: d.chainId, rpcUrls: [secretFile(keysDir, "rpc.url", devnet.rpcUrl)], confirmations: 0 },
    contracts: {
      vault: d.vault,
      allocator: d.allocator,
      oracles: feedsBySymbol(d.oracles),
      nativePriceSymbol: DEVNET_NATIVE_SYMBOL,
      sourceLabels: Object.fromEntries(d.adapters.map((a) => [a.address, a.name])),
    },
    schedule: { onNewBlock: true, pollIntervalMs: 500 },
    // The devnet allocator's own cool-down (DEFAULT_BOUNDS); the simulator advances the chain an hour per step.
    strategy: { cooldownSeconds: Number(DEFAULT_BOUNDS.cooldownSeconds), switching: { minHoldHours: 0 } },
    // Each step moves the chain an hour and then updates the feeds: a block in between sees prices an hour old.
    risk: { maxDataAgeSeconds: 7_200, oracleHeartbeatSeconds: 7_200 },
    execution: {
      // A devnet: live from the start (a real deployment starts in shadow mode, the schema's default).
      mode: "live",
      route: "direct",
      keeper: roleSigner(keysDir, "keeper", services),
      guardian: roleSigner(keysDir, "guardian", services),
      manager: roleSigner(keysDir, "manager", services),
      receiptTimeoutMs: 30_000,
      ...(services.relay
        ? { bundle: { relays: [secretFile(keysDir, "relay.url", services.relay.url)], blockWaitMs: 10_000 } }
        : {}),
      ...(services.safe
        ? { safe: { address: services.safe.address, contracts: services.safe.contracts, resimulateEveryBlocks: 1 } }
        : {}),
    },
    http: { port: 0 },
    state: { dir: join(abs, "state") },
  };
  const file = join(abs, "keel.yaml");
  writeFileAtomic(
    file,
    `# Written by \`keel devnet\` for the devnet at ${devnet.rpcUrl} (chain ${d.chainId}).\n# A live-mode config: \`keel config check ${file}\`, then \`keel run --config ${file}\`.\n# Devnet only: strategy.switching.minHoldHours is 0, strategy.cooldownSeconds the allocator's, and prices may be two hours old (risk.maxDataAgeSeconds, risk.oracleHeartbeatSeconds): the simulator advances the chain an hour per step, then updates its feeds.\n${stringify(config)}`,
  );
  return { deployment, config: file };
}
