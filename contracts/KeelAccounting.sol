// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IKeelAdapter} from "./interfaces/IKeelAdapter.sol";

/// @title KeelAccounting
/// @notice The allocator's books, after Yearn V3: each adapter's debt is its value as last measured (on every move,
/// pull, exit and report), so the vault's total assets never depend on a live call that can revert. A measured gain
/// is locked and unlocks linearly over `profitUnlockTime` (the unlock end is the amount-weighted average of what is
/// still locked and the new gain, so frequent small reports cannot hold profit back); a measured loss is taken from
/// the locked profit first, then from the share price. Costs of moves and pulls reduce the debt directly.
abstract contract KeelAccounting {
    /// @notice Longest profit unlocking period.
    uint256 public constant MAX_PROFIT_UNLOCK_TIME = 30 days;

    struct AdapterState {
        uint128 debt; // stored valuation, base units
        uint16 relativeCapBps; // debt / totalAssets after a deposit into it
        bool listed;
        uint128 absoluteCap; // debt after a deposit into it, base units
        uint128 maxInflow; // Σ keeper deposits into it per rebalance
        uint128 maxOutflow; // Σ keeper withdrawals from it per rebalance
    }

    mapping(address adapter => AdapterState) internal _state;
    /// @notice Σ adapter debt.
    uint256 public totalDebt;
    /// @notice Seconds over which a measured gain unlocks into the share price.
    uint256 public profitUnlockTime;
    uint128 private _locked;
    uint64 private _lockUpdatedAt;
    uint64 private _unlockEnd;

    error InvalidUnlockTime(uint256 seconds_);

    event Reported(address indexed adapter, uint256 value, uint256 gain, uint256 loss);
    event ValuationFailed(address indexed adapter, bytes reason);
    event ProfitUnlockTimeSet(uint256 seconds_);
    /// @notice A measured gain joined the locked profit, which now unlocks completely at `unlockEnd`.
    event ProfitLocked(uint256 gain, uint256 unlockEnd);

    /// @notice The adapter's stored valuation (base units).
    function debt(address adapter) external view returns (uint256) {
        return _state[adapter].debt;
    }

    /// @notice Profit still locked (not yet in the share price).
    function lockedProfit() public view returns (uint256) {
        uint256 end = _unlockEnd;
        if (block.timestamp >= end) return 0;
        return (uint256(_locked) * (end - block.timestamp)) / (end - _lockUpdatedAt);
    }

    /// @notice When the locked profit will have unlocked completely.
    function profitUnlocksAt() external view returns (uint256) {
        return _unlockEnd;
    }

    function booked() external view returns (uint256, uint256) {
        return (totalDebt, lockedProfit());
    }

    function _setProfitUnlockTime(uint256 seconds_) internal {
        if (seconds_ > MAX_PROFIT_UNLOCK_TIME) revert InvalidUnlockTime(seconds_);
        profitUnlockTime = seconds_;
        emit ProfitUnlockTimeSet(seconds_);
    }

    /// @dev The adapter's checked value, or (false, reason) when it cannot be established.
    function _tryValue(address adapter) internal view returns (bool ok, uint256 value, bytes memory reason) {
        try IKeelAdapter(adapter).checkedAssets() returns (uint256 v) {
            return (true, v, "");
        } catch (bytes memory r) {
            return (false, 0, r);
        }
    }

    /// @dev A report: the adapter's debt becomes `value`; a gain is locked, a loss is taken from the locked profit first.
    function _settle(address adapter, uint256 value) internal {
        uint256 booked_ = _state[adapter].debt;
        if (value == booked_) return;
        _setDebt(adapter, value);
        if (value > booked_) {
            _lockProfit(value - booked_);
            emit Reported(adapter, value, value - booked_, 0);
        } else {
            _offsetLoss(booked_ - value);
            emit Reported(adapter, value, 0, booked_ - value);
        }
    }

    /// @dev Moves the adapter's debt to `value` (no profit logic: for the result of a move).
    function _setDebt(address adapter, uint256 value) internal {
        AdapterState storage s = _state[adapter];
        totalDebt = totalDebt + value - s.debt;
        s.debt = SafeCast.toUint128(value);
    }

    function _lockProfit(uint256 gain) internal {
        uint256 remaining = lockedProfit();
        uint256 period = profitUnlockTime;
        if (period == 0) {
            _storeLock(remaining, _unlockEnd);
            emit ProfitLocked(gain, block.timestamp);
            return;
        }
        uint256 left = _unlockEnd > block.timestamp ? _unlockEnd - block.timestamp : 0;
        uint256 locked = remaining + gain;
        uint256 end = block.timestamp + (remaining * left + gain * period) / locked;
        _storeLock(locked, end);
        emit ProfitLocked(gain, end);
    }

    /// @dev Takes `loss` from the locked profit first; returns the part the share price bears.
    function _offsetLoss(uint256 loss) internal returns (uint256 borne) {
        uint256 remaining = lockedProfit();
        uint256 take = loss < remaining ? loss : remaining;
        if (remaining != 0) _storeLock(remaining - take, _unlockEnd);
        return loss - take;
    }

    function _storeLock(uint256 locked, uint256 end) private {
        _locked = SafeCast.toUint128(locked);
        _lockUpdatedAt = uint64(block.timestamp);
        _unlockEnd = SafeCast.toUint64(end);
    }
}
