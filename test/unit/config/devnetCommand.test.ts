import { expect } from "chai";
import { devnetStartOptions } from "../../../src/cli/devnet.ts";
import { loadConfig } from "../../../src/config/load.ts";

describe("keel devnet options: KEEL__DEVNET__* overrides as the daemon reads them, its flags first", () => {
  const env = {
    KEEL__DEVNET__SEED: "7",
    KEEL__DEVNET__STEP_INTERVAL_MS: "400",
    KEEL__DEVNET__STEP_SECONDS: "60",
    KEEL__DEVNET__INITIAL_DEPOSIT_UNITS: "5000",
    KEEL__DEVNET__EPISODES: "false",
    KEEL__DEVNET__DATA: "/data/a",
  };

  it("takes the environment's devnet section when no flag is given", () => {
    const { config } = loadConfig(undefined, env);
    expect(devnetStartOptions({ port: 0, stateDir: "d" }, config.devnet)).to.deep.equal({
      seed: 7,
      stepSeconds: 60,
      stepIntervalMs: 400,
      initialDepositUnits: 5000,
      httpPort: 0,
      autoStep: false,
      episodes: false,
      data: "/data/a",
    });
  });

  it("lets --seed and --data win over the environment; defaults without either", () => {
    const { config } = loadConfig(undefined, env);
    const o = devnetStartOptions({ port: 8545, stateDir: "d", seed: 3, data: "/data/b" }, config.devnet);
    expect([o.seed, o.data, o.httpPort]).to.deep.equal([3, "/data/b", 8545]);
    const plain = devnetStartOptions(
      { port: 0, stateDir: "d", episodes: false },
      loadConfig(undefined, {}).config.devnet,
    );
    expect(plain).to.deep.include({ seed: 1, stepIntervalMs: 2_000, initialDepositUnits: 1_000_000, episodes: false });
    expect(plain).not.to.have.property("data");
  });
});
