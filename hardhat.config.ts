import { createRequire } from "node:module";
import { defineConfig } from "hardhat/config";

const require = createRequire(import.meta.url);

/** Solidity version; must match the pinned `solc` npm package (compiled offline from its soljson.js). */
export const SOLC_VERSION = "0.8.28";

export default defineConfig({
  solidity: {
    version: SOLC_VERSION,
    // Offline: Hardhat would download solc; the npm package ships the same compiler as wasm.
    path: require.resolve("solc/soljson.js"),
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "cancun",
    },
  },
  networks: {
    default: { type: "edr-simulated", chainType: "l1", chainId: 31337 },
  },
});
