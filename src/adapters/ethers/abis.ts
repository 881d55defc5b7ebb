import {
  AavePoolAbi,
  AggregatorV3InterfaceAbi,
  IERC20MetadataAbi,
  IERC4626Abi,
  IKeelAdapterAbi,
  KeelAllocatorAbi,
  KeelVaultAbi,
  UniswapV2PairAbi,
} from "./abi/generated.ts";

/**
 * The contracts the daemon reads, by role. Each is the ABI generated from the compiled artifacts
 * (./abi/generated.ts, `npm run gen:abis`): there is no hand-written ABI to drift from the contracts.
 */
export const VAULT_ABI = KeelVaultAbi;
/** The allocator (adapters, bounds, books, `Rebalanced`). */
export const ALLOCATOR_ABI = KeelAllocatorAbi;
/** Any allocator adapter (`IKeelAdapter`). */
export const ADAPTER_ABI = IKeelAdapterAbi;
/** An ERC-20 with metadata. */
export const ERC20_ABI = IERC20MetadataAbi;
/** An ERC-4626 vault (a vault adapter's target). */
export const ERC4626_ABI = IERC4626Abi;
/** A Chainlink price feed. */
export const AGGREGATOR_ABI = AggregatorV3InterfaceAbi;
/** Aave v3's Pool (a lending adapter's target). */
export const AAVE_POOL_ABI = AavePoolAbi;
/** A Uniswap v2 pair (an LP adapter's target). */
export const UNIV2_PAIR_ABI = UniswapV2PairAbi;
