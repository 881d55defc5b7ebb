// `keel devnet` honours KEEL__ environment overrides of the sections it reads (devnet, log), as the daemon
// does; its --state-dir is its own flag (a service's KEEL__STATE__DIR is never where devnet files go).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { Contract, JsonRpcProvider, parseUnits } from "ethers";
import { tempStateDir } from "../support/daemon.ts";
import { startExternalDevnet } from "../support/externalDevnet.ts";

describe("keel devnet: KEEL__ environment overrides", function () {
  this.timeout(180_000);

  it("KEEL__DEVNET__INITIAL_DEPOSIT_UNITS sets the vault's first deposit; KEEL__STATE__DIR is not its state dir", async () => {
    const serviceDir = tempStateDir("keel-service-");
    const devnet = await startExternalDevnet({
      KEEL__DEVNET__INITIAL_DEPOSIT_UNITS: "5000",
      KEEL__STATE__DIR: serviceDir,
    });
    const provider = new JsonRpcProvider(devnet.rpcUrl, undefined, { staticNetwork: true });
    try {
      const vault = new Contract(devnet.deployment.vault, ["function totalAssets() view returns (uint256)"], provider);
      const d = devnet.deployment as unknown as { asset: { decimals: number } };
      expect(await vault.getFunction("totalAssets")()).to.equal(parseUnits("5000", d.asset.decimals));
      expect(existsSync(join(serviceDir, "deployment.json"))).to.equal(false);
    } finally {
      provider.destroy();
      await devnet.stop();
    }
  });
});
