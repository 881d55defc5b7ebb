// The one place keel opens its vault and Safe-owner keys (src/composition/keys.ts), used by the daemon's guardian,
// `keel pause` / `keel unpause` and `keel proposals`: which key a command takes, the role's policy around it, and
// where a CLI command acts. Signing needs no chain: every transaction here is fully populated.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { id, JsonRpcProvider, Wallet } from "ethers";
import {
  configuredVaultKey,
  devnetVaultKey,
  openOwnerKey,
  openVaultKey,
  type VaultRole,
} from "../../../src/composition/keys.ts";
import { runningTarget } from "../../../src/composition/target.ts";
import { parseConfig } from "../../../src/config/load.ts";
import { DEVNET_ACCOUNTS, devnetKey } from "../../../src/devnet/accounts.ts";
import { ConfigError, exitCodeFor, KeelError } from "../../../src/domain/errors.ts";

const VAULT = "0x1000000000000000000000000000000000000001";
const OTHER = "0x2000000000000000000000000000000000000002";
const PAUSE = id("pause()").slice(0, 10);
const UNPAUSE = id("unpause()").slice(0, 10);
const GUARDIAN_KEY = { type: "privateKey", key: { env: "KEEL_UNIT_GUARDIAN" } } as const;

const configWith = (execution: Record<string, unknown> = {}, rest: Record<string, unknown> = {}) =>
  parseConfig(
    {
      chain: { chainId: 31337, rpcUrls: [{ env: "KEEL_UNIT_RPC" }] },
      contracts: { vault: VAULT, allocator: OTHER },
      execution: { signingPolicy: { pauseMaxFeeGwei: 10 }, ...execution },
      ...rest,
    },
    "test",
  );
// Nothing listens there: a signature that asked the chain would fail, and none does.
const provider = new JsonRpcProvider("http://127.0.0.1:9", 31337, { staticNetwork: true });
const tx = (data: string, over: Record<string, unknown> = {}) => ({
  type: 2,
  chainId: 31337,
  nonce: 0,
  to: VAULT,
  data,
  value: 0,
  gasLimit: 100_000,
  maxFeePerGas: 5_000_000_000n,
  maxPriorityFeePerGas: 1n,
  ...over,
});
const refusal = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => (e instanceof KeelError ? e.code : String(e)),
  );
const vaultKey = (role: VaultRole, config = configWith().config) =>
  openVaultKey(config, role, { vault: VAULT, key: devnetVaultKey(role) }, { provider });

describe("key composition (src/composition/keys.ts)", () => {
  before(() => {
    process.env.KEEL_UNIT_RPC = "http://127.0.0.1:9";
  });
  after(() => {
    delete process.env.KEEL_UNIT_RPC;
  });

  it("the guardian's key signs vault.pause() only, within pauseMaxFeeGwei; the manager's also unpause()", async () => {
    const guardian = await vaultKey("guardian");
    expect(await guardian.getAddress()).to.equal(new Wallet(devnetKey(DEVNET_ACCOUNTS.guardian)).address);
    expect(await guardian.signTransaction(tx(PAUSE))).to.match(/^0x02/);
    expect(await refusal(guardian.signTransaction(tx(UNPAUSE)))).to.equal("SIGN_DENIED_SELECTOR");
    expect(await refusal(guardian.signTransaction(tx(PAUSE, { to: OTHER })))).to.equal("SIGN_DENIED_TARGET");
    expect(await refusal(guardian.signTransaction(tx(PAUSE, { maxFeePerGas: 10_000_000_001n })))).to.equal(
      "SIGN_DENIED_FEE_CAP",
    );
    expect(await refusal(guardian.signTransaction(tx(PAUSE, { chainId: 1 })))).to.equal("SIGN_DENIED_CHAIN_ID");
    expect(await refusal(guardian.signMessage("hello"))).to.equal("SIGN_DENIED_KIND");
    const manager = await vaultKey("manager");
    expect(await manager.signTransaction(tx(UNPAUSE))).to.match(/^0x02/);
    expect(await refusal(manager.signTransaction(tx(id("shutdown()").slice(0, 10))))).to.equal("SIGN_DENIED_SELECTOR");
  });

  it("a refusal is not retryable: the CLI exits 1 for it, never 75", async () => {
    const guardian = await vaultKey("guardian");
    const err = await guardian.signTransaction(tx(UNPAUSE)).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(KeelError);
    expect(exitCodeFor(err)).to.equal(1);
  });

  it("keel pause takes the guardian key, else the manager's; keel unpause the manager's; none is a config error", async () => {
    const manager = { type: "privateKey", key: { env: "KEEL_UNIT_MANAGER" } } as const;
    expect(configuredVaultKey(configWith({ guardian: GUARDIAN_KEY, manager }).config, "pause")).to.deep.equal(
      GUARDIAN_KEY,
    );
    expect(configuredVaultKey(configWith({ manager }).config, "pause")).to.deep.equal(manager);
    expect(configuredVaultKey(configWith({ guardian: GUARDIAN_KEY, manager }).config, "unpause")).to.deep.equal(
      manager,
    );
    const err = (() => {
      try {
        return configuredVaultKey(configWith({ guardian: GUARDIAN_KEY }).config, "unpause");
      } catch (e) {
        return e;
      }
    })();
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as ConfigError).issues).to.deep.equal([{ path: "execution.manager", message: "required" }]);
    expect(exitCodeFor(err)).to.equal(1);
  });

  it("a configured key opens through its signer: a raw key from the environment, behind the same policy", async () => {
    const key = devnetKey(7);
    process.env.KEEL_UNIT_GUARDIAN = key;
    try {
      const { config } = configWith({ guardian: GUARDIAN_KEY });
      const signer = await openVaultKey(
        config,
        "guardian",
        { vault: VAULT, key: configuredVaultKey(config, "pause") },
        {
          provider,
        },
      );
      expect(await signer.getAddress()).to.equal(new Wallet(key).address);
      expect(await refusal(signer.signTransaction(tx(UNPAUSE)))).to.equal("SIGN_DENIED_SELECTOR");
    } finally {
      delete process.env.KEEL_UNIT_GUARDIAN;
    }
  });

  it("a Safe owner's key sends only execTransaction to the Safe", async () => {
    const env = { KEEL_UNIT_OWNER: devnetKey(5) };
    const owner = await openOwnerKey(
      { type: "privateKey", key: { env: "KEEL_UNIT_OWNER" } },
      {
        chainId: 31337,
        safe: OTHER,
        allocator: undefined,
        vault: VAULT,
        policy: { maxGasLimit: 1e6, maxCalldataBytes: 1e4 },
      },
      { provider, env },
    );
    expect(await owner.getAddress()).to.equal(new Wallet(env.KEEL_UNIT_OWNER).address);
    expect(await refusal(owner.signTransaction(tx(PAUSE)))).to.equal("SIGN_DENIED_TARGET");
    expect(await refusal(owner.signTransaction(tx(PAUSE, { to: OTHER })))).to.equal("SIGN_DENIED_SELECTOR");
  });

  it("a CLI command acts on the configured chain, or on the running devnet daemon's (NO_DEVNET, retryable, until one runs)", () => {
    expect(runningTarget(configWith(), { rpc: undefined }, "vault")).to.deep.equal({
      rpcUrl: "http://127.0.0.1:9",
      devnet: false,
      vault: VAULT,
    });
    expect(runningTarget(configWith(), { rpc: "http://127.0.0.1:8" }, "allocator")).to.deep.equal({
      rpcUrl: "http://127.0.0.1:8",
      devnet: false,
      allocator: OTHER,
    });
    const missing = (() => {
      try {
        return runningTarget(
          parseConfig({ chain: { chainId: 31337, rpcUrls: [{ env: "KEEL_UNIT_RPC" }] } }, "t"),
          {},
          "vault",
        );
      } catch (e) {
        return e;
      }
    })();
    expect(missing).to.be.instanceOf(ConfigError);
    expect(exitCodeFor(missing)).to.equal(1);
    const dir = mkdtempSync(join(tmpdir(), "keel-no-devnet-"));
    const noDevnet = (() => {
      try {
        return runningTarget(parseConfig({ state: { dir } }, "t"), {}, "vault");
      } catch (e) {
        return e;
      }
    })();
    expect((noDevnet as KeelError).code).to.equal("NO_DEVNET");
    expect(exitCodeFor(noDevnet)).to.equal(75);
  });
});
