// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IKeelAdapter} from "../interfaces/IKeelAdapter.sol";
import {IKeelVault, IKeelAllocatorHooks} from "../interfaces/IKeelVault.sol";

/// @title KeelAdapterBase
/// @notice Wiring shared by every adapter: the allocator is the only caller of mutating functions and
/// every base unit leaving the adapter goes to the vault.
abstract contract KeelAdapterBase is IKeelAdapter {
    using SafeERC20 for IERC20;

    IERC20 internal immutable _asset;
    /// @notice The allocator allowed to call deposit / withdraw / emergencyWithdraw.
    address public immutable allocator;
    /// @notice The vault that receives every withdrawal.
    address public immutable vault;

    error NotAllocator(address caller);
    error InsufficientLiquidity(uint256 requested, uint256 available);

    constructor(address allocator_) {
        allocator = allocator_;
        vault = IKeelAllocatorHooks(allocator_).vault();
        _asset = IERC20(IKeelVault(vault).asset());
    }

    modifier onlyAllocator() {
        if (msg.sender != allocator) revert NotAllocator(msg.sender);
        _;
    }

    function asset() external view returns (address) {
        return address(_asset);
    }

    /// @dev Sends the adapter's whole base-asset balance to the vault; returns the amount.
    function _sweepToVault() internal returns (uint256 amount) {
        amount = _asset.balanceOf(address(this));
        if (amount != 0) _asset.safeTransfer(vault, amount);
    }
}
