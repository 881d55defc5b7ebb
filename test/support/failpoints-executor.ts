// Child process for the process-level crash tests. `send` executes one deposit intent through the
// direct route with the file intent store and the runtime's env-driven failpoints (KEEL_FAILPOINT);
// `reconcile` is the restart: it reconciles the store against the chain and prints the summary.
import { JsonRpcProvider, parseUnits, Wallet } from "ethers";
import { createDirectExecutor, lifecycleDeps } from "../../src/adapters/execution/direct.ts";
import { openIntentStore } from "../../src/adapters/execution/intentStore.ts";
import { loadAllocatorCodec } from "../../src/adapters/execution/loadCodec.ts";
import { reconcileOnStart } from "../../src/execution/reconcile.ts";
import { failpoint } from "../../src/runtime/failpoint.ts";

const [mode, rpcUrl, storePath, allocator, adapter, intentId] = process.argv.slice(2);
const key = process.env.KEEL_TEST_KEEPER_KEY ?? "";
const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 20 });
const signer = new Wallet(key, provider);
const codec = loadAllocatorCodec();
const store = await openIntentStore({ path: storePath ?? "", now: Date.now });
const deps = { signer, provider, codec, store, failpoint };
if (mode === "send") {
  const executor = createDirectExecutor({ allocator: allocator ?? "", receiptPollMs: 20 }, deps);
  const action = await executor.execute(
    {
      id: intentId ?? "",
      decisionId: intentId ?? "",
      plan: {
        targetWeights: {},
        moves: [{ sourceId: adapter ?? "", direction: "deposit", amount: parseUnits("10", 6) }],
        gainP10Usd: 1,
        gainP50Usd: 1,
        slippageUsd: 0,
        needsApproval: false,
      },
      gas: {
        gasUnits: 0n,
        maxFeePerGasWei: 50_000_000_000n,
        maxPriorityFeePerGasWei: 1_000_000_000n,
        costWei: 0n,
        costUsd: 0,
        gainToCost: 10,
      },
      snapshot: {} as never,
    },
    new AbortController().signal,
  );
  process.stdout.write(`${JSON.stringify(action)}\n`);
} else {
  const lc = lifecycleDeps({ allocator: allocator ?? "" }, deps);
  const summary = await reconcileOnStart({ confirmations: 1, settleTimeoutMs: 10_000, pollMs: 20 }, lc);
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}
provider.destroy();
