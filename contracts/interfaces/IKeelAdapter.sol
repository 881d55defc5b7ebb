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
    /// @notice Value of the position in base-asset units (oracle-fair for AMM positions, never spot).
    function totalAssets() external view returns (uint256);
    /// @notice Base-asset units that can be withdrawn right now (may be below totalAssets when illiquid).
    function maxWithdraw() external view returns (uint256);
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
