// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice What the allocator and the adapters need from the vault.
interface IKeelVault {
    function asset() external view returns (address);
    function totalAssets() external view returns (uint256);
    function idle() external view returns (uint256);
    function paused() external view returns (bool);
    function isShutdown() external view returns (bool);
    function hasRole(bytes32 role, address account) external view returns (bool);
    /// @notice Sends idle base units to an allow-listed adapter; allocator only.
    function transferToAdapter(address adapter, uint256 assets) external;
    /// @notice Takes the vault's reentrancy lock for the length of a rebalance; allocator only.
    function beginAllocation() external;
    /// @notice Releases the lock taken by beginAllocation; allocator only.
    function endAllocation() external;
}

/// @notice What the vault needs from the allocator.
interface IKeelAllocatorHooks {
    function vault() external view returns (address);
    /// @notice Σ adapter valuations in base units.
    function totalAdapterAssets() external view returns (uint256);
    /// @notice Σ adapter maxWithdraw in base units.
    function maxWithdrawable() external view returns (uint256);
    /// @notice Pulls up to `assets` from the adapters, in order, into the vault; returns what arrived.
    function pullForWithdraw(uint256 assets) external returns (uint256);
    /// @notice Shutdown: every adapter's emergency exit, errors caught per adapter.
    function unwindAll() external returns (uint256);
}
