import { BrowserProvider, type JsonRpcSigner, type TransactionRequest } from "ethers";
import { type LocalChain, startLocalChain } from "../../src/devnet/chain.ts";

/** A local chain for one test file, with snapshot-based fixtures and time control. */
export interface TestChain {
  readonly chain: LocalChain;
  readonly provider: BrowserProvider;
  signer(i: number): Promise<JsonRpcSigner>;
  /** Hardhat accounts 0..7 under the names keel's tests use. */
  accounts(): Promise<Accounts>;
  /** Runs `build` once, snapshots; later calls revert to that snapshot (OZ `loadFixture`). */
  fixture<T>(build: () => Promise<T>): Promise<T>;
  /** Advances block time by `seconds` and mines a block. */
  increaseTime(seconds: number | bigint): Promise<void>;
  latestTimestamp(): Promise<number>;
  /** Sets the next block's timestamp (seconds). */
  setNextTimestamp(ts: number | bigint): Promise<void>;
  close(): Promise<void>;
}

/** Named test accounts (Hardhat's funded accounts 0..7). */
export interface Accounts {
  deployer: JsonRpcSigner;
  manager: JsonRpcSigner;
  keeper: JsonRpcSigner;
  guardian: JsonRpcSigner;
  alice: JsonRpcSigner;
  bob: JsonRpcSigner;
  eve: JsonRpcSigner;
  borrower: JsonRpcSigner;
}

/** Margin on every gas estimate, as the keeper's default `execution.gasLimitBufferBps`. */
const GAS_BUFFER_BPS = 2_000n;

/**
 * The tests' provider. Blocks follow the wall clock, so a transaction estimated at one block time may be mined
 * a second or more later, when the same call burns more gas (a storage write an earlier second skipped): an
 * exact estimate then runs out of gas with empty revert data. Test signers estimate through this provider.
 */
class TestProvider extends BrowserProvider {
  override async estimateGas(tx: TransactionRequest): Promise<bigint> {
    const units = await super.estimateGas(tx);
    return units + (units * GAS_BUFFER_BPS) / 10_000n;
  }
}

/** Starts an in-process chain for a test file. */
export async function openTestChain(): Promise<TestChain> {
  const chain = await startLocalChain();
  // cacheTimeout -1: ethers otherwise replays an identical call's answer for 250 ms, even across evm_revert.
  const provider = new TestProvider(chain.provider, undefined, { cacheTimeout: -1 });
  let snap: { id: string; value: unknown; build: unknown } | undefined;
  const rpc = (method: string, params: unknown[] = []) => provider.send(method, params);
  return {
    chain,
    provider,
    signer: (i) => provider.getSigner(i),
    async accounts() {
      const s = await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map((i) => provider.getSigner(i)));
      const [deployer, manager, keeper, guardian, alice, bob, eve, borrower] = s as [
        JsonRpcSigner,
        JsonRpcSigner,
        JsonRpcSigner,
        JsonRpcSigner,
        JsonRpcSigner,
        JsonRpcSigner,
        JsonRpcSigner,
        JsonRpcSigner,
      ];
      return { deployer, manager, keeper, guardian, alice, bob, eve, borrower };
    },
    async fixture<T>(build: () => Promise<T>): Promise<T> {
      if (snap && snap.build === build) {
        await rpc("evm_revert", [snap.id]);
        snap.id = (await rpc("evm_snapshot")) as string;
        return snap.value as T;
      }
      const value = await build();
      snap = { id: (await rpc("evm_snapshot")) as string, value, build };
      return value;
    },
    async increaseTime(seconds) {
      await rpc("evm_increaseTime", [Number(seconds)]);
      await rpc("evm_mine");
    },
    async latestTimestamp() {
      const b = await provider.getBlock("latest");
      return b?.timestamp ?? 0;
    },
    async setNextTimestamp(ts) {
      await rpc("evm_setNextBlockTimestamp", [Number(ts)]);
    },
    async close() {
      provider.destroy();
      await chain.close();
    },
  };
}

/** Registers mocha hooks that open a chain before the file's tests and close it after; `ready` receives it. */
export function useTestChain(ready: (t: TestChain, a: Accounts) => void): void {
  let chain: TestChain | undefined;
  before(async () => {
    chain = await openTestChain();
    ready(chain, await chain.accounts());
  });
  after(async () => chain?.close());
}
