// The harness's hand on the devnet: chain control methods, and the depositor, guardian and manager acting on
// the vault and allocator. Harness transactions wait for their receipts with automine on for a moment.
import { BrowserProvider, Contract, id, Wallet } from "ethers";
import { DEVNET_ACCOUNTS, devnetKey } from "../../src/devnet/accounts.ts";
import type { Devnet } from "../../src/devnet/devnet.ts";

const VAULT_ABI = ["function paused() view returns (bool)", "function pause()", "function unpause()"];
const ALLOCATOR_ABI = [
  "function hasRole(bytes32,address) view returns (bool)",
  "function grantRole(bytes32,address)",
  "function revokeRole(bytes32,address)",
];
const TOKEN_ABI = ["function mint(address,uint256)", "function approve(address,uint256) returns (bool)"];
const FLOW_ABI = [
  "function deposit(uint256,address) returns (uint256)",
  "function withdraw(uint256,address,address) returns (uint256)",
];
const KEEPER_ROLE = id("KEEPER_ROLE");

export class DevnetActions {
  readonly provider: BrowserProvider;
  /** The keeper's address, lower case. */
  readonly keeper: string;
  readonly vault: Contract;
  readonly allocator: Contract;
  readonly #devnet: Devnet;
  readonly #faults: Record<string, number>;

  /** `faults` counts what the actions inject, by kind. */
  constructor(devnet: Devnet, faults: Record<string, number>) {
    this.#devnet = devnet;
    this.#faults = faults;
    this.provider = new BrowserProvider(devnet.chain.provider, devnet.chain.chainId, { cacheTimeout: -1 });
    this.vault = new Contract(devnet.deployment.vault, VAULT_ABI, this.provider);
    this.allocator = new Contract(devnet.deployment.allocator, ALLOCATOR_ABI, this.provider);
    this.keeper = new Wallet(devnet.keys.keeper).address.toLowerCase();
  }

  #count(kind: string): void {
    this.#faults[kind] = (this.#faults[kind] ?? 0) + 1;
  }

  rpc<T>(method: string, params: unknown[] = []): Promise<T> {
    return this.#devnet.chain.provider.request({ method, params }) as Promise<T>;
  }

  /** Runs a harness action that waits for its own receipts with automine on, then back to interval mining. */
  async withAutomine<T>(f: () => Promise<T>): Promise<T> {
    await this.rpc("evm_setAutomine", [true]);
    try {
      return await f();
    } finally {
      await this.rpc("evm_setAutomine", [false]);
    }
  }

  /** Whether the vault was paused and the keeper held its role at `blockTag`. */
  async guards(blockTag: number | "latest"): Promise<{ paused: boolean; keeperRole: boolean }> {
    const [paused, keeperRole] = await Promise.all([
      this.vault.getFunction("paused")({ blockTag }) as Promise<boolean>,
      this.allocator.getFunction("hasRole")(KEEPER_ROLE, this.keeper, { blockTag }) as Promise<boolean>,
    ]);
    return { paused, keeperRole };
  }

  /** The keeper's transactions mined in blocks `from`..`to`. */
  async keeperTxsIn(from: number, to: number): Promise<{ hash: string; nonce: number; block: number }[]> {
    const mined: { hash: string; nonce: number; block: number }[] = [];
    for (let b = from; b <= to; b++) {
      const block = await this.rpc<{ transactions: { hash: string; from: string; nonce: string }[] } | null>(
        "eth_getBlockByNumber",
        [`0x${b.toString(16)}`, true],
      );
      for (const t of block?.transactions ?? [])
        if (t.from.toLowerCase() === this.keeper) mined.push({ hash: t.hash, nonce: Number(t.nonce), block: b });
    }
    return mined;
  }

  /** Drops every keeper transaction waiting in the mempool. */
  async dropKeeperTxs(): Promise<void> {
    const block = await this.rpc<{ transactions: { hash: string; from: string }[] } | null>("eth_getBlockByNumber", [
      "pending",
      true,
    ]);
    for (const t of block?.transactions ?? []) {
      if (t.from.toLowerCase() !== this.keeper) continue;
      await this.rpc("hardhat_dropTransaction", [t.hash]);
      this.#count("dropTx");
    }
  }

  /**
   * A depositor moves money in or out of the vault: idle cash the daemon should invest, or idle below its floor
   * it should restore. A flow the vault refuses (paused, idle short) is counted and skipped.
   */
  async flow(units: number): Promise<void> {
    const d = this.#devnet.deployment;
    const amount = BigInt(Math.abs(units)) * 10n ** BigInt(d.asset.decimals);
    const deployer = new Wallet(devnetKey(DEVNET_ACCOUNTS.deployer), this.provider);
    const depositor = new Wallet(devnetKey(DEVNET_ACCOUNTS.depositor), this.provider);
    const token = new Contract(d.asset.address, TOKEN_ABI, deployer);
    const vault = new Contract(d.vault, FLOW_ABI, depositor);
    const ok = await this.withAutomine(async () => {
      try {
        if (units > 0) {
          await (await token.getFunction("mint")(depositor.address, amount)).wait();
          await (await (token.connect(depositor) as Contract).getFunction("approve")(d.vault, amount)).wait();
          await (await vault.getFunction("deposit")(amount, depositor.address)).wait();
        } else await (await vault.getFunction("withdraw")(amount, depositor.address, depositor.address)).wait();
        return true;
      } catch {
        return false; // paused, or not enough idle to withdraw: the vault said no
      }
    });
    this.#count(`flow:${units > 0 ? "deposit" : "withdraw"}${ok ? "" : ":refused"}`);
  }

  async setPaused(paused: boolean): Promise<void> {
    if (((await this.vault.getFunction("paused")()) as boolean) === paused) return;
    const who = paused ? this.#devnet.keys.guardian : this.#devnet.keys.manager;
    const vault = this.vault.connect(new Wallet(who, this.provider)) as Contract;
    await this.withAutomine(async () => (await vault.getFunction(paused ? "pause" : "unpause")()).wait());
    if (paused) this.#count("pause");
  }

  async setKeeperRole(granted: boolean): Promise<void> {
    if (((await this.allocator.getFunction("hasRole")(KEEPER_ROLE, this.keeper)) as boolean) === granted) return;
    const allocator = this.allocator.connect(new Wallet(this.#devnet.keys.manager, this.provider)) as Contract;
    await this.withAutomine(async () =>
      (await allocator.getFunction(granted ? "grantRole" : "revokeRole")(KEEPER_ROLE, this.keeper)).wait(),
    );
    if (!granted) this.#count("keeperRevoked");
  }
}
