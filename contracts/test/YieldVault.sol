// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title YieldVault
/// @notice A Yearn-v3-like ERC-4626 target for tests and the devnet. Yield is whatever base tokens are
/// transferred (or minted) into it. Its owner (the market simulator) can also make it lose assets (`slash`)
/// or limit withdrawals (`setLiquidity`), which turns it into the loss / illiquid targets of the test suite.
contract YieldVault is ERC4626, Ownable {
    using SafeERC20 for IERC20;

    /// @notice Base units that can leave the vault right now; type(uint256).max = unlimited.
    uint256 public liquidity = type(uint256).max;
    /// @notice A paused target: previews and moves revert, max* report 0 (as a paused ERC-4626 vault may).
    bool public paused;

    error TargetPaused();
    error AlreadyInitialized();

    event Slashed(uint256 assets, address to);
    event LiquiditySet(uint256 liquidity);
    event PausedSet(bool paused);

    constructor(IERC20 asset_, string memory name_, string memory symbol_, address owner_)
        ERC20(name_, symbol_)
        ERC4626(asset_)
        Ownable(owner_)
    {}

    /// @notice Behind a proxy: the constructor's storage (owner, unlimited liquidity) written into the proxy's, once.
    /// On the implementation itself it reverts (the constructor set an owner). Name and symbol stay empty there.
    function initialize(address owner_) external {
        if (owner() != address(0)) revert AlreadyInitialized();
        if (owner_ == address(0)) revert OwnableInvalidOwner(address(0));
        _transferOwnership(owner_);
        liquidity = type(uint256).max;
    }

    /// @notice Moves `bps` of the vault's assets to `to`: the share price falls (a loss or an exploit).
    function slash(uint256 bps, address to) external onlyOwner returns (uint256 assets) {
        assets = (IERC20(asset()).balanceOf(address(this)) * bps) / 10_000;
        IERC20(asset()).safeTransfer(to, assets);
        emit Slashed(assets, to);
    }

    /// @notice Caps what can be withdrawn (an illiquid market); type(uint256).max lifts the cap.
    function setLiquidity(uint256 liquidity_) external onlyOwner {
        liquidity = liquidity_;
        emit LiquiditySet(liquidity_);
    }

    /// @notice Pauses (true) or resumes (false) the target.
    function setPaused(bool paused_) external onlyOwner {
        paused = paused_;
        emit PausedSet(paused_);
    }

    function maxDeposit(address receiver) public view override returns (uint256) {
        return paused ? 0 : super.maxDeposit(receiver);
    }

    function previewRedeem(uint256 shares) public view override returns (uint256) {
        if (paused) revert TargetPaused();
        return super.previewRedeem(shares);
    }

    function previewWithdraw(uint256 assets) public view override returns (uint256) {
        if (paused) revert TargetPaused();
        return super.previewWithdraw(assets);
    }

    function previewDeposit(uint256 assets) public view override returns (uint256) {
        if (paused) revert TargetPaused();
        return super.previewDeposit(assets);
    }

    function maxWithdraw(address owner) public view override returns (uint256) {
        if (paused) return 0;
        uint256 m = super.maxWithdraw(owner);
        return m < liquidity ? m : liquidity;
    }

    function maxRedeem(address owner) public view override returns (uint256) {
        if (paused) return 0;
        uint256 m = super.maxRedeem(owner);
        if (liquidity == type(uint256).max) return m;
        uint256 l = _convertToShares(liquidity, Math.Rounding.Floor);
        return m < l ? m : l;
    }

    function _withdraw(address caller, address receiver, address owner, uint256 assets, uint256 shares)
        internal
        virtual
        override
    {
        if (liquidity != type(uint256).max) liquidity -= assets;
        super._withdraw(caller, receiver, owner, assets, shares);
    }
}
