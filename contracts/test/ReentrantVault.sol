// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {YieldVault} from "./YieldVault.sol";

/// @title ReentrantVault
/// @notice A malicious ERC-4626 target: once armed, its deposit / withdraw call back into `callee` with `data`
/// (e.g. the keel vault's deposit or withdraw, or the allocator's rebalance) and bubble up the revert.
contract ReentrantVault is YieldVault {
    address public callee;
    bytes public data;

    constructor(IERC20 asset_, string memory name_, string memory symbol_, address owner_)
        YieldVault(asset_, name_, symbol_, owner_)
    {}

    function arm(address callee_, bytes calldata data_) external {
        callee = callee_;
        data = data_;
    }

    function _deposit(address caller, address receiver, uint256 assets, uint256 shares) internal override {
        _reenter();
        super._deposit(caller, receiver, assets, shares);
    }

    function _withdraw(address caller, address receiver, address owner, uint256 assets, uint256 shares)
        internal
        override
    {
        _reenter();
        super._withdraw(caller, receiver, owner, assets, shares);
    }

    function _reenter() private {
        address c = callee;
        if (c == address(0)) return;
        callee = address(0);
        (bool ok, bytes memory ret) = c.call(data);
        if (!ok) {
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
    }
}
