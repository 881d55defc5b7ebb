import { expect } from "chai";
import { Contract, Wallet } from "ethers";
import { EIP1967_ADMIN_SLOT } from "../../src/adapters/ethers/protocolReader.ts";
import { deployContract, send } from "../../src/devnet/deploy/contract.ts";
import { chainOf, closeApp, codesOf, stepAndTick, tick } from "../support/devnetApp.ts";
import {
  adapterByKind,
  adapterOf,
  balanceOf,
  changeGauge,
  expectFunded,
  expectHandled,
  FEED_ABI,
  operator,
  startWorld,
  type World,
} from "../support/monitorWorld.ts";

describe("protocol-change monitoring on the embedded devnet", function () {
  this.timeout(300_000);

  describe("an upgradeable ERC-4626 target (OpenZeppelin TransparentUpgradeableProxy) and a plain one", () => {
    let w: World;
    before(async () => {
      w = await startWorld({});
    });
    after(async () => closeApp(w?.app, w?.shutdown));

    it("pins the fresh deployment: every pinned kind is exported at 0 before any change", async () => {
      const vaultB = adapterOf(w.app, w.app.target.devnet!.deployment.extra.yieldVault1!);
      for (const kind of ["implementation", "admin", "code", "params"]) {
        expect(await changeGauge(w, vaultB, kind), kind).to.equal(0);
      }
      expect(await changeGauge(w, adapterByKind(w.app, "lending"), "reserve_frozen")).to.equal(0);
      expect(await changeGauge(w, adapterByKind(w.app, "lp"), "oracle_constant")).to.equal(0);
    });

    it("an implementation upgrade freezes and exits the source (critical by default); then an admin change shows", async () => {
      const { app } = w;
      const proxy = app.target.devnet!.deployment.extra.yieldVault1!;
      const source = adapterOf(app, proxy);
      await expectFunded(app, source);
      const op = operator(w);
      const admin = `0x${(await chainOf(app).getStorage(proxy, EIP1967_ADMIN_SLOT)).slice(-40)}`;
      const proxyAdmin = new Contract(
        admin,
        ["function upgradeAndCall(address,address,bytes) payable", "function transferOwnership(address)"],
        op,
      );
      const asset = app.target.devnet!.deployment.asset.address;
      const next = await deployContract(op, "YieldVault", [asset, "Yield Vault B v2", "yvB2", op.address]);
      const from = (await app.headBlock()) + 1;
      await send(proxyAdmin, "upgradeAndCall", [proxy, await next.getAddress(), "0x"]);
      const first = await tick(app);
      await expectHandled(w, {
        source,
        code: "PROTOCOL_IMPLEMENTATION_CHANGED",
        kind: "implementation",
        exit: true,
        from,
        first,
      });

      await send(proxyAdmin, "transferOwnership", [Wallet.createRandom().address]);
      const afterAdmin = await tick(app);
      expect(codesOf(afterAdmin)).to.include("PROTOCOL_ADMIN_CHANGED");
      expect(await changeGauge(w, source, "admin")).to.equal(1);
    });

    it("new code at a pinned address (same storage, different code hash) freezes and exits the source", async () => {
      const { app } = w;
      const target = app.target.devnet!.deployment.extra.yieldVault0!;
      const source = adapterOf(app, target);
      await expectFunded(app, source);
      const code = await chainOf(app).getCode(target);
      // Flip one byte of the trailing compiler metadata: the code runs the same, its hash differs (as a
      // metamorphic redeploy or an EIP-7702 delegation would change it).
      const bytes = Buffer.from(code.slice(2), "hex");
      const metadataLength = bytes.readUInt16BE(bytes.length - 2);
      const at = bytes.length - 2 - metadataLength + 10;
      bytes[at] = bytes[at]! ^ 0xff;
      const from = (await app.headBlock()) + 1;
      await chainOf(app).send("hardhat_setCode", [target, `0x${bytes.toString("hex")}`]);
      const first = await tick(app);
      await expectHandled(w, { source, code: "PROTOCOL_CODE_CHANGED", kind: "code", exit: true, from, first });
    });
  });

  describe("an ERC-4626 parameter and an Aave v3 reserve (params and reserve_frozen critical)", () => {
    let w: World;
    before(async () => {
      w = await startWorld({ critical: ["params", "reserve_frozen"] });
    });
    after(async () => closeApp(w?.app, w?.shutdown));

    it("a changed ERC-4626 withdrawal cap (liquidity()) freezes the source and, configured critical, exits it", async () => {
      const { app } = w;
      const target = app.target.devnet!.deployment.extra.yieldVault0!;
      const source = adapterOf(app, target);
      await expectFunded(app, source);
      const vault = new Contract(target, ["function setLiquidity(uint256)"], operator(w));
      const from = (await app.headBlock()) + 1;
      // Far above what the vault holds: only the parameter moved, withdrawals are not limited by it.
      await send(vault, "setLiquidity", [10n ** 30n]);
      const first = await tick(app);
      await expectHandled(w, { source, code: "PROTOCOL_PARAMS_CHANGED", kind: "params", exit: true, from, first });
    });

    it("a reserve-factor change through Aave's PoolConfigurator freezes the Aave source without exiting it", async () => {
      const { app } = w;
      const source = adapterByKind(app, "lending");
      await expectFunded(app, source);
      const d = app.target.devnet!.deployment;
      const configurator = new Contract(
        d.extra.aaveConfigurator!,
        ["function setReserveFactor(address,uint256)"],
        operator(w),
      );
      const from = (await app.headBlock()) + 1;
      await send(configurator, "setReserveFactor", [d.asset.address, 2_000]);
      const first = await tick(app);
      const reason = first.detail.verdict?.reasons.find((r) => r.code === "RESERVE_PARAMS_CHANGED");
      expect(reason?.message).to.include("reserveFactor 1000 → 2000");
      await expectHandled(w, {
        source,
        code: "RESERVE_PARAMS_CHANGED",
        kind: "reserve_params",
        exit: false,
        from,
        first,
      });
      expect(await balanceOf(app, source)).to.be.greaterThan(0n);
    });

    it("freezing the reserve through Aave's PoolConfigurator freezes the source and, configured critical, exits it", async () => {
      const { app } = w;
      const source = adapterByKind(app, "lending");
      const d = app.target.devnet!.deployment;
      const configurator = new Contract(
        d.extra.aaveConfigurator!,
        ["function setReserveFreeze(address,bool)"],
        operator(w),
      );
      const from = (await app.headBlock()) + 1;
      await send(configurator, "setReserveFreeze", [d.asset.address, true]);
      const first = await tick(app);
      // The market simulator borrows from the reserve each step, which a frozen reserve refuses: only time passes
      // (past the allocator's 300 s cool-down, well within the feeds' heartbeat).
      const op = operator(w);
      const cooldownThenTick = async () => {
        await chainOf(app).send("evm_increaseTime", [301]);
        await chainOf(app).send("evm_mine", []);
        // The feeds publish their (unchanged) prices at the new time, as the simulator's step would.
        for (const address of Object.values(d.oracles)) {
          const feed = new Contract(address, FEED_ABI, op);
          const answer = ((await feed.getFunction("latestRoundData")()) as bigint[])[1]!;
          await send(feed, "setAnswer", [answer]);
        }
        return tick(app);
      };
      await expectHandled(
        w,
        { source, code: "RESERVE_FROZEN", kind: "reserve_frozen", exit: true, from, first },
        cooldownThenTick,
      );
    });
  });

  describe("oracles (oracle_replaced critical, a constant answer over 3 rounds)", () => {
    let w: World;
    before(async () => {
      w = await startWorld({ critical: ["oracle_replaced"], feedMaxConstantRounds: 3 });
    });
    after(async () => closeApp(w?.app, w?.shutdown));

    it("replacing the Aave oracle's source for the asset (AaveOracle.setAssetSources) freezes and exits the source", async () => {
      const { app } = w;
      const source = adapterByKind(app, "lending");
      await expectFunded(app, source);
      const d = app.target.devnet!.deployment;
      const op = operator(w);
      const feed = await deployContract(op, "MockAggregator", [
        8,
        "kUSDC / USD (replacement)",
        100_000_000n,
        op.address,
      ]);
      const oracle = new Contract(d.extra.aaveOracle!, ["function setAssetSources(address[],address[])"], op);
      const from = (await app.headBlock()) + 1;
      await send(oracle, "setAssetSources", [[d.asset.address], [await feed.getAddress()]]);
      const first = await tick(app);
      await expectHandled(w, { source, code: "ORACLE_REPLACED", kind: "oracle_replaced", exit: true, from, first });
    });

    it("a feed that repeats its answer over 3 new rounds freezes the source that prices with it (not critical)", async () => {
      const { app } = w;
      const source = adapterByKind(app, "lp");
      const feedAddress = app.target.devnet!.deployment.oracles["kWETH/USD"]!;
      const feed = new Contract(
        feedAddress,
        [
          "function setAnswer(int256)",
          "function latestRoundData() view returns (uint80,int256,uint256,uint256,uint80)",
        ],
        operator(w),
      );
      const answer = ((await feed.getFunction("latestRoundData")()) as bigint[])[1]!;
      // The feed's operator keeps publishing new rounds, always with the same answer.
      const constantRound = async () => {
        await send(feed, "setAnswer", [answer]);
        return tick(app);
      };
      const from = (await app.headBlock()) + 1;
      const before = [await constantRound(), await constantRound()];
      for (const r of before) expect(codesOf(r)).not.to.include("ORACLE_CONSTANT");
      expect(await changeGauge(w, source, "oracle_constant")).to.equal(0);
      const first = await constantRound();
      await expectHandled(
        w,
        { source, code: "ORACLE_CONSTANT", kind: "oracle_constant", exit: false, from, first },
        constantRound,
      );
      // The feed moves again: the answer is no longer constant and the freeze lifts.
      const moved = await stepAndTick(app);
      expect(codesOf(moved)).not.to.include("ORACLE_CONSTANT");
      expect(await changeGauge(w, source, "oracle_constant")).to.equal(0);
    });
  });
});
