// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IKeelAdapter
/// @notice One yield source behind one interface. The adapter holds the position; assets always come from
/// and return to the vault. Only the allocator calls the mutating functions.
interface IKeelAdapter {
    /// @notice The base asset (the vault's asset).
    function asset() external view returns (address);
    /// @notice The protocol contract the adapter deposits into (ERC-4626 vault, Aave pool, Uniswap pair).
    function target() external view returns (address);
    /// @notice "vault", "lending" or "lp": tells the daemon how to read the source's rate.
    function kind() external view returns (string memory);
    /// @notice Best-effort value of the position in base-asset units, for display (never reverts on a bad price).
    function totalAssets() external view returns (uint256);
    /// @notice Value of the position in base-asset units for the vault's books: reverts when it cannot be
    /// established (stale or non-positive price, a paused target). The allocator reads it under try/catch.
    function checkedAssets() external view returns (uint256);
    /// @notice Base-asset units that a withdrawal can deliver right now (may be below the value when illiquid).
    function maxWithdraw() external view returns (uint256);
    /// @notice Upper bound of a withdrawal's cost against the position's value, in bps of the amount withdrawn
    /// (0: withdrawals cost nothing but rounding).
    function exitCostBps() external view returns (uint256);
    /// @notice Deposits `assets` that the vault has already transferred to the adapter.
    function deposit(uint256 assets) external;
    /// @notice Withdraws `assets` to the vault; returns the base units actually sent.
    function withdraw(uint256 assets) external returns (uint256);
    /// @notice Exits as much as possible without using any price; sends everything to the vault.
    function emergencyWithdraw() external returns (uint256);
}

/// @notice Adapters priced by an AMM also report how far the pool's spot is from the oracle.
interface IKeelPricedAdapter is IKeelAdapter {
    /// @notice |spot - oracle| / oracle in basis points.
    function spotDeviationBps() external view returns (uint256);
}
