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
    function hasRole(bytes32 role, address account) external view returns (bool);
    /// @notice The books: Σ adapter debt (stored valuations) and the part of it that is profit still unlocking.
    function booked() external view returns (uint256 debt, uint256 locked);
    /// @notice What the adapters can pay a withdrawal now at a cost of at most `maxLossBps` (0: lossless only).
    function withdrawableLiquidity(uint256 maxLossBps) external view returns (uint256);
    /// @notice Pulls up to `assets` from the adapters, in order, into the vault, from adapters whose exit cost is
    /// at most `maxLossBps`; returns what arrived and the exit cost it realised.
    function pullForWithdraw(uint256 assets, uint256 maxLossBps) external returns (uint256 received, uint256 loss);
    /// @notice Shutdown: every adapter's emergency exit, errors caught per adapter.
    function unwindAll() external returns (uint256);
}
