// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {YieldVault} from "./YieldVault.sol";

/// @title LossyVault
/// @notice A YieldVault that loses `entryLossBps` of every deposit (an exploited or fee-charging target):
/// moving funds through it realises a loss inside the rebalance, which the allocator's max-loss bound catches.
contract LossyVault is YieldVault {
    using SafeERC20 for IERC20;

    uint256 public entryLossBps;

    constructor(IERC20 asset_, string memory name_, string memory symbol_, address owner_)
        YieldVault(asset_, name_, symbol_, owner_)
    {}

    function setEntryLossBps(uint256 bps) external onlyOwner {
        entryLossBps = bps;
    }

    function _deposit(address caller, address receiver, uint256 assets, uint256 shares) internal override {
        super._deposit(caller, receiver, assets, shares);
        uint256 lost = (assets * entryLossBps) / 10_000;
        if (lost != 0) IERC20(asset()).safeTransfer(owner(), lost);
    }
}
