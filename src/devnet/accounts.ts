import { HDNodeWallet, Mnemonic } from "ethers";

// The devnet's accounts and names, without the devnet: the daemon and the CLI import these, never
// src/devnet/devnet.ts (which loads Hardhat) unless they start a devnet.

/** Hardhat's well-known development mnemonic: devnet keys are derived, never stored. */
const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** The devnet's stand-in for ETH: its feed prices gas. */
export const DEVNET_NATIVE_SYMBOL = "kWETH";

/** Devnet role accounts (Hardhat account index). */
export const DEVNET_ACCOUNTS = { deployer: 0, manager: 1, keeper: 2, guardian: 3, depositor: 4 } as const;

/** A deployment's feeds (`kUSDC/USD` → address) keyed by symbol (`kUSDC`), as `contracts.oracles` takes them. */
export function feedsBySymbol(feeds: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k.replace(/\/USD$/, ""), v]));
}

/** The private key of a Hardhat development account (devnet only). */
export function devnetKey(index: number): string {
  return HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${index}`).privateKey;
}
