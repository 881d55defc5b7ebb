// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IKeelAdapter} from "./interfaces/IKeelAdapter.sol";
import {IKeelVault} from "./interfaces/IKeelVault.sol";
import {KeelAccounting} from "./KeelAccounting.sol";
import {KeelBounds} from "./KeelBounds.sol";
import {KeelTimelock} from "./KeelTimelock.sol";

/// @title KeelAllocatorAdmin
/// @notice The allocator's roles, allow-list and settings. Whatever raises risk waits its timelock (KeelTimelock):
/// adding an adapter, raising an adapter's caps or flow limits, loosening the keeper bounds or budgets, shortening the
/// profit unlocking, granting any role but the sentinel's. Whatever lowers risk is instant: tightening, revoking
/// roles, removing adapters; the sentinel may lower adapter caps and revoke pending changes.
abstract contract KeelAllocatorAdmin is AccessControl, KeelTimelock, KeelBounds, KeelAccounting {
    bytes32 public constant MANAGER_ROLE = keccak256("MANAGER_ROLE");
    bytes32 public constant KEEPER_ROLE = keccak256("KEEPER_ROLE");
    /// @notice May only reduce risk: move funds to idle, lower caps, revoke pending changes, pause the vault.
    bytes32 public constant SENTINEL_ROLE = keccak256("SENTINEL_ROLE");
    uint256 public constant MAX_ADAPTERS = 8;
    uint256 private constant UNLIMITED = type(uint128).max;

    /// @notice An adapter's limits: caps on its debt after a deposit (relative to total assets, and absolute) and
    /// the most a keeper rebalance may move into / out of it. Amounts ≥ 2^128 - 1 mean no limit.
    struct AdapterCaps {
        uint256 relativeCapBps;
        uint256 absoluteCap;
        uint256 maxInflow;
        uint256 maxOutflow;
    }

    /// @notice The vault whose assets this allocator moves.
    address public immutable vault;
    address[] internal _adapters;

    error UnknownAdapter(address adapter);
    error AdapterAlreadyListed(address adapter);
    error TooManyAdapters(uint256 max);
    error AdapterAssetMismatch(address adapter);
    error AdapterNotEmpty(address adapter, uint256 assets);

    event AdapterAdded(address indexed adapter, AdapterCaps caps);
    event AdapterCapsSet(address indexed adapter, AdapterCaps caps);
    /// @notice `writtenOff`: debt still booked on the adapter when it was removed, realised as a loss.
    event AdapterRemoved(address indexed adapter, uint256 writtenOff);

    constructor(address vault_, address admin) {
        vault = vault_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(MANAGER_ROLE, admin);
    }

    function _checkSubmitter() internal view override {
        _checkRole(MANAGER_ROLE);
    }

    function _checkRevoker() internal view override {
        if (!hasRole(SENTINEL_ROLE, msg.sender)) _checkRole(MANAGER_ROLE);
    }

    // ---------------------------------------------------------------- views

    function getAdapters() external view returns (address[] memory) {
        return _adapters;
    }

    function isAdapter(address adapter) external view returns (bool) {
        return _state[adapter].listed;
    }

    /// @notice The adapter's relative cap, bps of total assets.
    function adapterCapBps(address adapter) external view returns (uint256) {
        return _state[adapter].relativeCapBps;
    }

    function adapterCaps(address adapter) public view returns (AdapterCaps memory) {
        AdapterState storage s = _state[adapter];
        return AdapterCaps(s.relativeCapBps, s.absoluteCap, s.maxInflow, s.maxOutflow);
    }

    // ---------------------------------------------------------------- settings

    /// @notice Allow-lists an adapter with its caps (timelocked).
    function addAdapter(address adapter, AdapterCaps calldata caps) external onlyRole(MANAGER_ROLE) {
        _consumeTimelock(msg.sig);
        if (_state[adapter].listed) revert AdapterAlreadyListed(adapter);
        if (_adapters.length >= MAX_ADAPTERS) revert TooManyAdapters(MAX_ADAPTERS);
        if (IKeelAdapter(adapter).asset() != IKeelVault(vault).asset()) revert AdapterAssetMismatch(adapter);
        _state[adapter].listed = true;
        _storeCaps(adapter, caps);
        _adapters.push(adapter);
        emit AdapterAdded(adapter, adapterCaps(adapter));
    }

    /// @notice Sets an adapter's caps. Raising any of them is timelocked (manager); lowering is instant (manager or
    /// sentinel).
    function setAdapterCaps(address adapter, AdapterCaps calldata caps) external {
        if (!_state[adapter].listed) revert UnknownAdapter(adapter);
        AdapterCaps memory c = adapterCaps(adapter);
        bool raises = caps.relativeCapBps > c.relativeCapBps || _clamp(caps.absoluteCap) > c.absoluteCap
            || _clamp(caps.maxInflow) > c.maxInflow || _clamp(caps.maxOutflow) > c.maxOutflow;
        if (raises) {
            _checkRole(MANAGER_ROLE);
            _consumeTimelock(msg.sig);
        } else {
            _checkRevoker();
        }
        _storeCaps(adapter, caps);
        emit AdapterCapsSet(adapter, adapterCaps(adapter));
    }

    /// @notice Sets the keeper bounds; loosening any of them is timelocked.
    function setBounds(Bounds calldata bounds_) external onlyRole(MANAGER_ROLE) {
        if (_boundsLoosen(bounds_)) _consumeTimelock(msg.sig);
        _setBounds(bounds_);
    }

    /// @notice Sets the rolling 24 h budgets; raising either is timelocked.
    function setBudgets(Budgets calldata budgets_) external onlyRole(MANAGER_ROLE) {
        if (_budgetsLoosen(budgets_)) _consumeTimelock(msg.sig);
        _setBudgets(budgets_);
    }

    /// @notice Sets the profit unlocking period; shortening it is timelocked.
    function setProfitUnlockTime(uint256 seconds_) external onlyRole(MANAGER_ROLE) {
        if (seconds_ < profitUnlockTime) _consumeTimelock(msg.sig);
        _setProfitUnlockTime(seconds_);
    }

    /// @notice Grants a role; timelocked for every role but the sentinel's (which can only reduce risk).
    function grantRole(bytes32 role, address account) public override {
        _checkRole(getRoleAdmin(role));
        if (role != SENTINEL_ROLE) _consumeTimelock(msg.sig);
        _grantRole(role, account);
    }

    function _storeCaps(address adapter, AdapterCaps calldata caps) private {
        if (caps.relativeCapBps > BPS) revert InvalidBps(caps.relativeCapBps);
        AdapterState storage s = _state[adapter];
        s.relativeCapBps = uint16(caps.relativeCapBps);
        s.absoluteCap = uint128(_clamp(caps.absoluteCap));
        s.maxInflow = uint128(_clamp(caps.maxInflow));
        s.maxOutflow = uint128(_clamp(caps.maxOutflow));
    }

    function _clamp(uint256 v) private pure returns (uint256) {
        return v > UNLIMITED ? UNLIMITED : v;
    }

    function _delist(address adapter) internal {
        delete _state[adapter];
        uint256 n = _adapters.length;
        for (uint256 i; i < n; ++i) {
            if (_adapters[i] == adapter) {
                _adapters[i] = _adapters[n - 1];
                _adapters.pop();
                break;
            }
        }
    }
}
