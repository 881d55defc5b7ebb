// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IAaveV3AToken, IAaveV3Pool} from "../interfaces/external/IAaveV3.sol";
import {KeelAdapterBase} from "./KeelAdapterBase.sol";

/// @title AaveV3Adapter
/// @notice Supplies the vault's asset to an Aave v3 Pool. Valued at the aToken balance (1:1 with the asset,
/// interest included); withdrawals limited by the reserve's cash (what borrowers have not taken).
contract AaveV3Adapter is KeelAdapterBase {
    using SafeERC20 for IERC20;

    IAaveV3Pool private immutable _pool;
    IAaveV3AToken private immutable _aToken;

    error ATokenMismatch(address aToken);

    constructor(address allocator_, IAaveV3Pool pool_, IAaveV3AToken aToken_) KeelAdapterBase(allocator_) {
        if (aToken_.UNDERLYING_ASSET_ADDRESS() != address(_asset) || aToken_.POOL() != address(pool_)) {
            revert ATokenMismatch(address(aToken_));
        }
        _pool = pool_;
        _aToken = aToken_;
    }

    function target() external view returns (address) {
        return address(_pool);
    }

    /// @notice The aToken the adapter holds.
    function aToken() external view returns (address) {
        return address(_aToken);
    }

    function kind() external pure returns (string memory) {
        return "lending";
    }

    function totalAssets() public view returns (uint256) {
        return _aToken.balanceOf(address(this)) + _asset.balanceOf(address(this));
    }

    function checkedAssets() external view returns (uint256) {
        return totalAssets();
    }

    function exitCostBps() external pure returns (uint256) {
        return 0;
    }

    function maxWithdraw() public view returns (uint256) {
        uint256 cash = _asset.balanceOf(address(_aToken));
        return Math.min(_aToken.balanceOf(address(this)), cash) + _asset.balanceOf(address(this));
    }

    function deposit(uint256 assets) external onlyAllocator {
        _asset.forceApprove(address(_pool), assets);
        _pool.supply(address(_asset), assets, address(this), 0);
    }

    function withdraw(uint256 assets) external onlyAllocator returns (uint256) {
        uint256 available = maxWithdraw();
        if (assets > available) revert InsufficientLiquidity(assets, available);
        uint256 loose = _asset.balanceOf(address(this));
        if (assets > loose) _pool.withdraw(address(_asset), assets - loose, address(this));
        _asset.safeTransfer(vault, assets);
        return assets;
    }

    /// @notice Withdraws all the cash the reserve has for us (no price needed) and sends it to the vault.
    function emergencyWithdraw() external onlyAllocator returns (uint256) {
        uint256 held = _aToken.balanceOf(address(this));
        uint256 cash = _asset.balanceOf(address(_aToken));
        if (held != 0 && cash != 0) {
            _pool.withdraw(address(_asset), held <= cash ? type(uint256).max : cash, address(this));
        }
        return _sweepToVault();
    }
}
