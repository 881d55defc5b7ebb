// A depositor arrives on the devnet: deposits base-asset units into the vault from the devnet's depositor
// account (its reserve, minted by `keel devnet`), so the keeper has new idle funds to place.
// Usage: node scripts/devnet-deposit.ts DEPLOYMENT_JSON AMOUNT   (AMOUNT in whole units of the base asset)
import { readFileSync } from "node:fs";
import { Contract, JsonRpcProvider, parseUnits, Wallet } from "ethers";
import { printError } from "../src/cli/output.ts";
import { devnetKey } from "../src/devnet/devnet.ts";
import { ConfigError, exitCodeFor } from "../src/domain/errors.ts";

async function main(file: string | undefined, amount: string | undefined): Promise<void> {
  if (!file || !amount || !/^\d+(\.\d+)?$/.test(amount))
    throw new ConfigError("usage: node scripts/devnet-deposit.ts DEPLOYMENT_JSON AMOUNT");
  const d = JSON.parse(readFileSync(file, "utf8")) as {
    rpcUrl: string;
    vault: string;
    asset: { address: string; symbol: string; decimals: number };
    accounts: { depositor: { index: number } };
  };
  const provider = new JsonRpcProvider(d.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
  try {
    const depositor = new Wallet(devnetKey(d.accounts.depositor.index), provider);
    const units = parseUnits(amount, d.asset.decimals);
    const token = new Contract(d.asset.address, ["function approve(address,uint256) returns (bool)"], depositor);
    await (await token.getFunction("approve")(d.vault, units)).wait();
    const vault = new Contract(d.vault, ["function deposit(uint256,address) returns (uint256)"], depositor);
    const receipt = await (await vault.getFunction("deposit")(units, depositor.address)).wait();
    process.stdout.write(`deposited ${amount} ${d.asset.symbol} into ${d.vault} (tx ${receipt?.hash})\n`);
  } finally {
    provider.destroy();
  }
}

main(process.argv[2], process.argv[3]).catch((err: unknown) => {
  printError(err);
  process.exit(exitCodeFor(err));
});
