// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title PreviewProbe
/// @notice Test helper: runs an ERC-4626 entry point right after its preview, in the same transaction, and reverts
/// unless they agree exactly (EIP-4626: previews are what the call does in the same transaction) and the owner
/// received exactly what was asked. Users approve it for their assets and their vault shares.
contract PreviewProbe {
    using SafeERC20 for IERC20;

    error PreviewMismatch(uint256 preview, uint256 actual);
    error PayoutMismatch(uint256 expected, uint256 received);

    function deposit(IERC4626 vault, uint256 assets) external returns (uint256 shares) {
        IERC20 asset = IERC20(vault.asset());
        asset.safeTransferFrom(msg.sender, address(this), assets);
        asset.forceApprove(address(vault), assets);
        uint256 preview = vault.previewDeposit(assets);
        shares = vault.deposit(assets, msg.sender);
        if (shares != preview) revert PreviewMismatch(preview, shares);
    }

    function mint(IERC4626 vault, uint256 shares) external returns (uint256 assets) {
        IERC20 asset = IERC20(vault.asset());
        uint256 preview = vault.previewMint(shares);
        asset.safeTransferFrom(msg.sender, address(this), preview);
        asset.forceApprove(address(vault), preview);
        assets = vault.mint(shares, msg.sender);
        if (assets != preview) revert PreviewMismatch(preview, assets);
    }

    /// @notice Withdraws `pct` % of `maxWithdraw(caller)` as read in this very transaction.
    function withdrawWithinMax(IERC4626 vault, uint256 pct) external returns (uint256) {
        return withdraw(vault, (vault.maxWithdraw(msg.sender) * pct) / 100);
    }

    /// @notice Redeems `pct` % of `maxRedeem(caller)` as read in this very transaction.
    function redeemWithinMax(IERC4626 vault, uint256 pct) external returns (uint256) {
        return redeem(vault, (vault.maxRedeem(msg.sender) * pct) / 100);
    }

    /// @notice Redeems `shares`, or `maxRedeem(caller)` as read in this very transaction when that is less (a
    /// position the vault's liquid funds cannot pay in full right now); nothing when that is 0.
    function redeemUpToMax(IERC4626 vault, uint256 shares) external returns (uint256) {
        uint256 max = vault.maxRedeem(msg.sender);
        uint256 take = shares < max ? shares : max;
        return take == 0 ? 0 : redeem(vault, take);
    }

    function withdraw(IERC4626 vault, uint256 assets) public returns (uint256 shares) {
        IERC20 asset = IERC20(vault.asset());
        uint256 before = asset.balanceOf(msg.sender);
        uint256 preview = vault.previewWithdraw(assets);
        shares = vault.withdraw(assets, msg.sender, msg.sender);
        if (shares != preview) revert PreviewMismatch(preview, shares);
        uint256 got = asset.balanceOf(msg.sender) - before;
        if (got != assets) revert PayoutMismatch(assets, got);
    }

    function redeem(IERC4626 vault, uint256 shares) public returns (uint256 assets) {
        IERC20 asset = IERC20(vault.asset());
        uint256 before = asset.balanceOf(msg.sender);
        uint256 preview = vault.previewRedeem(shares);
        assets = vault.redeem(shares, msg.sender, msg.sender);
        if (assets != preview) revert PreviewMismatch(preview, assets);
        uint256 got = asset.balanceOf(msg.sender) - before;
        if (got != assets) revert PayoutMismatch(assets, got);
    }
}
