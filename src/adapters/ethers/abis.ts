/** Human-readable ABI fragments for what the daemon reads and calls (the contracts are the source of truth). */
export const VAULT_ABI = [
  "function asset() view returns (address)",
  "function totalAssets() view returns (uint256)",
  "function totalSupply() view returns (uint256)",
  "function decimals() view returns (uint8)",
  "function convertToAssets(uint256) view returns (uint256)",
  "function idle() view returns (uint256)",
  "function paused() view returns (bool)",
  "function isShutdown() view returns (bool)",
  "function allocator() view returns (address)",
  "function hasRole(bytes32 role, address account) view returns (bool)",
  "function pause()",
  "function unpause()",
] as const;

export const ALLOCATOR_ABI = [
  "function getAdapters() view returns (address[])",
  "function lastRebalanceAt() view returns (uint256)",
  "function rebalanceDay() view returns (uint256)",
  "function rebalancesToday() view returns (uint256)",
  "function adapterCapBps(address) view returns (uint256)",
  "function booked() view returns (uint256 debt, uint256 locked)",
  "function bounds() view returns ((uint256 maxMoveBps, uint256 maxLossBps, uint256 cooldownSeconds, uint256 maxRebalancesPerDay, uint256 minIdleBps, uint256 maxDeviationBps))",
  "function intentUsed(bytes32) view returns (bool)",
  "function hasRole(bytes32 role, address account) view returns (bool)",
  "event Rebalanced(bytes32 indexed intentId, address indexed caller, uint256 totalAssetsBefore, uint256 totalAssetsAfter, uint256 loss, (address adapter, bool deposit, uint256 assets)[] moves, (bytes32 snapshotHash, bytes32 modelHash, bytes32 configHash) commitment)",
] as const;

export const ADAPTER_ABI = [
  "function asset() view returns (address)",
  "function target() view returns (address)",
  "function kind() view returns (string)",
  "function totalAssets() view returns (uint256)",
  "function maxWithdraw() view returns (uint256)",
] as const;

export const ERC20_ABI = [
  "function symbol() view returns (string)",
  "function decimals() view returns (uint8)",
  "function totalSupply() view returns (uint256)",
  "function balanceOf(address) view returns (uint256)",
] as const;

export const ERC4626_ABI = [
  ...ERC20_ABI,
  "function totalAssets() view returns (uint256)",
  "function convertToAssets(uint256) view returns (uint256)",
] as const;

export const AGGREGATOR_ABI = [
  "function decimals() view returns (uint8)",
  "function latestRoundData() view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)",
] as const;

export const AAVE_POOL_ABI = [
  "function getReserveData(address asset) view returns ((uint256 data) configuration, uint128 liquidityIndex, uint128 currentLiquidityRate, uint128 variableBorrowIndex, uint128 currentVariableBorrowRate, uint128 currentStableBorrowRate, uint40 lastUpdateTimestamp, uint16 id, address aTokenAddress, address stableDebtTokenAddress, address variableDebtTokenAddress, address interestRateStrategyAddress, uint128 accruedToTreasury, uint128 unbacked, uint128 isolationModeTotalDebt)",
] as const;

export const UNIV2_PAIR_ABI = [
  ...ERC20_ABI,
  "function token0() view returns (address)",
  "function token1() view returns (address)",
  "function getReserves() view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast)",
] as const;
