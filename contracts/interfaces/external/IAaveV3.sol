// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice The subset of Aave v3's Pool that the supply adapter uses.
interface IAaveV3Pool {
    function supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode) external;
    function withdraw(address asset, uint256 amount, address to) external returns (uint256);
}

/// @notice The subset of Aave v3's AToken that the supply adapter reads.
interface IAaveV3AToken {
    function UNDERLYING_ASSET_ADDRESS() external view returns (address);
    function POOL() external view returns (address);
    function balanceOf(address account) external view returns (uint256);
}
