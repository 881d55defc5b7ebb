import { expect } from "chai";
import fc from "fast-check";
import { send } from "../../src/devnet/deploy/contract.ts";
import { type Accounts, type TestChain, useTestChain } from "../support/chain.ts";
import { type CoreFixture, deployCore, keelErrors, USDC } from "../support/keel.ts";
import { expectRevert } from "../support/revert.ts";

describe("KeelVault inflation / donation attack", function () {
  this.timeout(120_000);
  let t: TestChain, a: Accounts;
  useTestChain((chain, accounts) => ([t, a] = [chain, accounts]));

  const build = async (): Promise<CoreFixture> => {
    const f = await deployCore(a, { adapters: 0 });
    const big = 10n ** 15n * USDC;
    for (const who of [a.eve, a.alice]) {
      await send(f.token, "mint", [who.address, big]);
      await send(f.token.connect(who), "approve", [f.addresses.vault, big]);
    }
    return f;
  };

  it("the victim always receives shares (or keeps its assets) and the attacker never profits", async () => {
    // attacker deposit (tiny to large), donation straight to the vault, victim deposit: all in base units.
    const amount = (max: bigint) => fc.bigInt({ min: 1n, max });
    await fc.assert(
      fc.asyncProperty(
        amount(10n ** 9n * USDC),
        amount(10n ** 10n * USDC),
        amount(10n ** 9n * USDC),
        async (attack, donation, victim) => {
          const f = await t.fixture(build);
          const eve = a.eve.address;
          const alice = a.alice.address;
          const eveStart = (await f.token.getFunction("balanceOf")(eve)) as bigint;
          await send(f.vault.connect(a.eve), "deposit", [attack, eve]);
          await send(f.token.connect(a.eve), "transfer", [f.addresses.vault, donation]);
          const expected = (await f.vault.getFunction("previewDeposit")(victim)) as bigint;
          if (expected === 0n) {
            // Dust below one share's price: refused, the victim keeps its assets.
            await expectRevert(
              f.vault.connect(a.alice).getFunction("deposit")(victim, alice),
              keelErrors(),
              "ZeroShares",
            );
          } else {
            await send(f.vault.connect(a.alice), "deposit", [victim, alice]);
          }
          const victimShares = (await f.vault.getFunction("balanceOf")(alice)) as bigint;
          expect(victimShares, "victim shares").to.equal(expected);
          // The victim loses at most one share's price to rounding (which goes to the vault, not the attacker alone).
          const [assets, supply] = (await Promise.all([
            f.vault.getFunction("totalAssets")(),
            f.vault.getFunction("totalSupply")(),
          ])) as [bigint, bigint];
          const sharePrice = (assets + 1n + (supply + 10n ** 6n) - 1n) / (supply + 10n ** 6n);
          const victimAssets = (await f.vault.getFunction("previewRedeem")(victimShares)) as bigint;
          if (expected > 0n) expect(victim - victimAssets, "victim's loss ≤ one share").to.be.lte(sharePrice + 1n);
          const eveShares = (await f.vault.getFunction("balanceOf")(eve)) as bigint;
          await send(f.vault.connect(a.eve), "redeem", [eveShares, eve, eve]);
          const eveEnd = (await f.token.getFunction("balanceOf")(eve)) as bigint;
          expect(eveEnd, "attacker ends with no more than she started with").to.be.lte(eveStart);
        },
      ),
      { numRuns: 60 },
    );
  });
});
