import { Wallet } from "ethers";
import { createBundleExecutor } from "/work/main/src/adapters/execution/bundle.ts";
import { loadAllocatorCodec } from "/work/main/src/adapters/execution/loadCodec.ts";
import { openMemoryIntentStore } from "/work/main/src/adapters/execution/memoryStore.ts";
import { startLocalRelay } from "/work/main/src/devnet/relay.ts";
import { depositIntent, execFixture } from "/work/main/test/integration/execution/fixture.ts";
import pino from "pino";
const f = await execFixture({ intervalMs: 100 });
const relay = await startLocalRelay(f.chain.provider, { pollMs: 10 }, { logger: pino() });
const store = openMemoryIntentStore();
const exec = createBundleExecutor({ allocator: f.deployment.allocator, relays: [relay.url], blocks: 3, priorityBumpBps: 1250, maxPriorityFeePerGasWei: 5_000_000_000n, allowPublicFallback: false, blockWaitMs: 5000, pollMs: 10 },
 { signer: f.keeper, provider: f.provider, codec: loadAllocatorCodec(), authSigner: Wallet.createRandom(), store, logger: pino() });
try { console.log(await exec.execute(depositIntent(f, "x", "10"), new AbortController().signal)); } catch (e) { console.log("ERR", e); }
console.log(JSON.stringify(store.list(), null, 1).slice(0, 2000), relay.bundles, relay.stats);
await relay.close(); await f.close();
