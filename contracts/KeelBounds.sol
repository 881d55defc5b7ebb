// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title KeelBounds
/// @notice The allocator's keeper bounds: storage, getters and the checks, each with its own custom error.
abstract contract KeelBounds {
    uint256 public constant BPS = 10_000;

    /// @notice Keeper bounds, all set by the manager.
    struct Bounds {
        uint256 maxMoveBps; // Σ moved / totalAssets before, per rebalance
        uint256 maxLossBps; // (before - after) / before, per rebalance
        uint256 cooldownSeconds; // between two rebalances
        uint256 maxRebalancesPerDay; // per UTC day (block.timestamp / 1 days)
        uint256 minIdleBps; // idle / totalAssets after
        uint256 maxDeviationBps; // |spot - oracle| / oracle for AMM-priced adapters (applies to every caller)
    }

    Bounds private _bounds;
    uint256 public lastRebalanceAt;
    uint256 public rebalanceDay;
    uint256 public rebalancesToday;

    error InvalidBps(uint256 value);
    error MoveTooLarge(uint256 moved, uint256 limit);
    error LossTooHigh(uint256 totalBefore, uint256 totalAfter, uint256 maxLossBps);
    error CooldownActive(uint256 nextAllowedAt);
    error DailyLimitReached(uint256 maxRebalancesPerDay);
    error IdleBelowMinimum(uint256 idle, uint256 minIdle);

    event BoundsSet(Bounds bounds);

    function bounds() external view returns (Bounds memory) {
        return _bounds;
    }

    function maxMoveBps() external view returns (uint256) {
        return _bounds.maxMoveBps;
    }

    function maxLossBps() external view returns (uint256) {
        return _bounds.maxLossBps;
    }

    function cooldownSeconds() external view returns (uint256) {
        return _bounds.cooldownSeconds;
    }

    function maxRebalancesPerDay() external view returns (uint256) {
        return _bounds.maxRebalancesPerDay;
    }

    function minIdleBps() external view returns (uint256) {
        return _bounds.minIdleBps;
    }

    function maxDeviationBps() external view returns (uint256) {
        return _bounds.maxDeviationBps;
    }

    /// @notice Earliest timestamp at which a keeper rebalance passes the cool-down.
    function nextRebalanceAt() external view returns (uint256) {
        return lastRebalanceAt == 0 ? 0 : lastRebalanceAt + _bounds.cooldownSeconds;
    }

    function _setBounds(Bounds memory b) internal {
        if (b.maxMoveBps > BPS) revert InvalidBps(b.maxMoveBps);
        if (b.maxLossBps > BPS) revert InvalidBps(b.maxLossBps);
        if (b.minIdleBps > BPS) revert InvalidBps(b.minIdleBps);
        if (b.maxDeviationBps > BPS) revert InvalidBps(b.maxDeviationBps);
        _bounds = b;
        emit BoundsSet(b);
    }

    /// @dev Cool-down and daily cap (keeper only).
    function _checkRate() internal view {
        uint256 last = lastRebalanceAt;
        if (last != 0 && block.timestamp < last + _bounds.cooldownSeconds) {
            revert CooldownActive(last + _bounds.cooldownSeconds);
        }
        uint256 today = block.timestamp / 1 days;
        if (today == rebalanceDay && rebalancesToday >= _bounds.maxRebalancesPerDay) {
            revert DailyLimitReached(_bounds.maxRebalancesPerDay);
        }
    }

    /// @dev Every rebalance (keeper or manager) counts toward the cool-down and the daily cap.
    function _countRebalance() internal {
        uint256 today = block.timestamp / 1 days;
        if (today != rebalanceDay) {
            rebalanceDay = today;
            rebalancesToday = 0;
        }
        rebalancesToday += 1;
        lastRebalanceAt = block.timestamp;
    }

    /// @dev Share moved, loss and idle buffer of a finished keeper rebalance.
    function _checkTotals(uint256 totalBefore, uint256 totalAfter, uint256 moved, uint256 idleAfter) internal view {
        uint256 moveLimit = (totalBefore * _bounds.maxMoveBps) / BPS;
        if (moved > moveLimit) revert MoveTooLarge(moved, moveLimit);
        if (totalAfter < totalBefore && (totalBefore - totalAfter) * BPS > totalBefore * _bounds.maxLossBps) {
            revert LossTooHigh(totalBefore, totalAfter, _bounds.maxLossBps);
        }
        uint256 minIdle = (totalAfter * _bounds.minIdleBps + BPS - 1) / BPS;
        if (idleAfter < minIdle) revert IdleBelowMinimum(idleAfter, minIdle);
    }
}
