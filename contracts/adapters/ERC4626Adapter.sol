// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {KeelAdapterBase} from "./KeelAdapterBase.sol";

/// @title ERC4626Adapter
/// @notice Supplies the vault's asset to any ERC-4626 vault (Yearn v3, sDAI, MetaMorpho…).
/// Valued at `previewRedeem(shares)` (which a paused target may refuse: the allocator then keeps its booked value);
/// withdrawals limited by the target's `maxWithdraw`, at no cost but rounding.
contract ERC4626Adapter is KeelAdapterBase {
    using SafeERC20 for IERC20;

    IERC4626 private immutable _target;

    error TargetAssetMismatch(address target);

    constructor(address allocator_, IERC4626 target_) KeelAdapterBase(allocator_) {
        if (target_.asset() != address(_asset)) revert TargetAssetMismatch(address(target_));
        _target = target_;
    }

    function target() external view returns (address) {
        return address(_target);
    }

    function kind() external pure returns (string memory) {
        return "vault";
    }

    /// @notice `checkedAssets`, or only the loose balance when the target refuses to preview (paused).
    function totalAssets() external view returns (uint256) {
        try this.checkedAssets() returns (uint256 v) {
            return v;
        } catch {
            return _asset.balanceOf(address(this));
        }
    }

    function checkedAssets() public view returns (uint256) {
        return _target.previewRedeem(_target.balanceOf(address(this))) + _asset.balanceOf(address(this));
    }

    function maxWithdraw() external view returns (uint256) {
        return _target.maxWithdraw(address(this)) + _asset.balanceOf(address(this));
    }

    function exitCostBps() external pure returns (uint256) {
        return 0;
    }

    function deposit(uint256 assets) external onlyAllocator {
        _asset.forceApprove(address(_target), assets);
        _target.deposit(assets, address(this));
    }

    /// @dev Redeems the whole target shares worth `need` (rounded up) rather than withdrawing `need`: a target whose
    /// shares are coarse (a donation inflated its share price) would otherwise keep up to a share's value of ours;
    /// this way the remainder stays here, loose and counted.
    function withdraw(uint256 assets) external onlyAllocator returns (uint256) {
        uint256 loose = _asset.balanceOf(address(this));
        if (assets > loose) {
            uint256 need = assets - loose;
            uint256 available = _target.maxWithdraw(address(this));
            if (need > available) revert InsufficientLiquidity(assets, available + loose);
            uint256 shares = _target.previewWithdraw(need);
            if (shares <= _target.maxRedeem(address(this))) _target.redeem(shares, address(this), address(this));
            else _target.withdraw(need, address(this), address(this));
        }
        _asset.safeTransfer(vault, assets);
        return assets;
    }

    /// @notice Redeems every redeemable share (no price needed) and sends all base units to the vault.
    function emergencyWithdraw() external onlyAllocator returns (uint256) {
        uint256 shares = _target.maxRedeem(address(this));
        if (shares != 0) _target.redeem(shares, address(this), address(this));
        return _sweepToVault();
    }
}
