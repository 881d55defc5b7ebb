// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TestToken} from "./TestToken.sol";

/// @title HookToken
/// @notice A malicious base asset (ERC-777-style hook): once armed, its next transfer calls `callee` with `data`
/// before moving balances, and bubbles up the revert.
contract HookToken is TestToken {
    address public callee;
    bytes public data;

    constructor(string memory name_, string memory symbol_, uint8 decimals_, address owner_)
        TestToken(name_, symbol_, decimals_, owner_)
    {}

    function arm(address callee_, bytes calldata data_) external {
        callee = callee_;
        data = data_;
    }

    function _update(address from, address to, uint256 value) internal override {
        address c = callee;
        if (c != address(0) && from != address(0)) {
            callee = address(0);
            (bool ok, bytes memory ret) = c.call(data);
            if (!ok) {
                assembly {
                    revert(add(ret, 32), mload(ret))
                }
            }
        }
        super._update(from, to, value);
    }
}
