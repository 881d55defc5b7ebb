// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TransparentUpgradeableProxy} from "@openzeppelin/contracts/proxy/transparent/TransparentUpgradeableProxy.sol";

/// @title DevnetProxy
/// @notice OpenZeppelin's TransparentUpgradeableProxy, unchanged, so that Hardhat emits its artifact under
/// contracts/: an EIP-1967 proxy whose ProxyAdmin (created here, owned by `initialOwner`) upgrades it.
contract DevnetProxy is TransparentUpgradeableProxy {
    constructor(address logic, address initialOwner, bytes memory data)
        payable
        TransparentUpgradeableProxy(logic, initialOwner, data)
    {}
}
