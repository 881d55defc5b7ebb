// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title KeelBounds
/// @notice The allocator's keeper bounds: per rebalance (move size, loss, cool-down, daily count, idle buffer,
/// deviation) and over a trailing 24 h window (cumulative realised loss and cumulative flow, each in bps of total
/// assets). The window is exact: every bounded rebalance is one entry of a 64-slot ring, dropped 24 h after it.
abstract contract KeelBounds {
    uint256 public constant BPS = 10_000;
    /// @notice Length of the rolling budget window.
    uint256 public constant WINDOW = 1 days;
    /// @notice Ring capacity: bounded rebalances that can be inside one window.
    uint256 public constant WINDOW_SLOTS = 64;
    /// @notice Highest `maxRebalancesPerDay` (two UTC days can meet inside one window: 2 × 32 = WINDOW_SLOTS).
    uint256 public constant MAX_REBALANCES_PER_DAY = 32;

    /// @notice Keeper bounds per rebalance, all set by the manager.
    struct Bounds {
        uint256 maxMoveBps; // Σ moved / totalAssets before, per rebalance
        uint256 maxLossBps; // realised loss / totalAssets before, per rebalance
        uint256 cooldownSeconds; // between two rebalances
        uint256 maxRebalancesPerDay; // per UTC day (block.timestamp / 1 days)
        uint256 minIdleBps; // idle / totalAssets after
        uint256 maxDeviationBps; // |spot - oracle| / oracle for AMM-priced adapters (applies to every caller)
    }

    /// @notice Keeper budgets over any trailing 24 h, in bps of total assets before the rebalance that checks them.
    struct Budgets {
        uint256 maxDailyLossBps; // Σ realised loss of bounded rebalances in the window
        uint256 maxDailyFlowBps; // Σ assets moved by the keeper in the window
    }

    /// @dev Ring header: entries [head, tail) are inside the window; loss / flow are their sums.
    struct WindowState {
        uint32 head;
        uint32 tail;
        uint96 loss;
        uint96 flow;
    }

    Bounds private _bounds;
    Budgets private _budgets;
    uint256 public lastRebalanceAt;
    uint256 public rebalanceDay;
    uint256 public rebalancesToday;
    WindowState private _window;
    /// @dev Entry = timestamp (40 bits) | loss (96 bits) | flow (96 bits).
    uint256[WINDOW_SLOTS] private _ring;

    error InvalidBps(uint256 value);
    error InvalidBound(uint256 value);
    error MoveTooLarge(uint256 moved, uint256 limit);
    error LossTooHigh(uint256 loss, uint256 limit);
    error CooldownActive(uint256 nextAllowedAt);
    error DailyLimitReached(uint256 maxRebalancesPerDay);
    error IdleBelowMinimum(uint256 idle, uint256 minIdle);
    error DailyLossBudgetExceeded(uint256 loss24h, uint256 budget);
    error DailyFlowBudgetExceeded(uint256 flow24h, uint256 budget);
    error WindowFull(uint256 slots);

    event BoundsSet(Bounds bounds);
    event BudgetsSet(Budgets budgets);

    constructor() {
        // Pre-write every ring slot so a rebalance rewrites a non-zero slot (5k gas) instead of filling one (22k).
        for (uint256 i; i < WINDOW_SLOTS; ++i) _ring[i] = 1;
    }

    function bounds() external view returns (Bounds memory) {
        return _bounds;
    }

    function budgets() external view returns (Budgets memory) {
        return _budgets;
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

    /// @notice Realised loss and flow of bounded rebalances in the trailing 24 h (what the budgets are checked on).
    function windowTotals() external view returns (uint256 loss, uint256 flow) {
        WindowState memory w = _window;
        (loss, flow) = (w.loss, w.flow);
        for (uint32 i = w.head; i < w.tail; ++i) {
            uint256 e = _ring[i % WINDOW_SLOTS];
            if (uint40(e) + WINDOW > block.timestamp) break;
            loss -= uint96(e >> 40);
            flow -= uint96(e >> 136);
        }
    }

    function _setBounds(Bounds memory b) internal {
        if (b.maxMoveBps > BPS) revert InvalidBps(b.maxMoveBps);
        if (b.maxLossBps > BPS) revert InvalidBps(b.maxLossBps);
        if (b.minIdleBps > BPS) revert InvalidBps(b.minIdleBps);
        if (b.maxDeviationBps > BPS) revert InvalidBps(b.maxDeviationBps);
        if (b.maxRebalancesPerDay > MAX_REBALANCES_PER_DAY) revert InvalidBound(b.maxRebalancesPerDay);
        _bounds = b;
        emit BoundsSet(b);
    }

    /// @dev True when `b` allows the keeper anything the current bounds do not.
    function _boundsLoosen(Bounds memory b) internal view returns (bool) {
        Bounds memory c = _bounds;
        return b.maxMoveBps > c.maxMoveBps || b.maxLossBps > c.maxLossBps || b.cooldownSeconds < c.cooldownSeconds
            || b.maxRebalancesPerDay > c.maxRebalancesPerDay || b.minIdleBps < c.minIdleBps
            || b.maxDeviationBps > c.maxDeviationBps;
    }

    function _setBudgets(Budgets memory b) internal {
        if (b.maxDailyLossBps > BPS) revert InvalidBps(b.maxDailyLossBps);
        _budgets = b;
        emit BudgetsSet(b);
    }

    function _budgetsLoosen(Budgets memory b) internal view returns (bool) {
        return b.maxDailyLossBps > _budgets.maxDailyLossBps || b.maxDailyFlowBps > _budgets.maxDailyFlowBps;
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

    /// @dev Every rebalance (keeper, sentinel or manager) counts toward the cool-down and the daily cap.
    function _countRebalance() internal {
        uint256 today = block.timestamp / 1 days;
        if (today != rebalanceDay) {
            rebalanceDay = today;
            rebalancesToday = 0;
        }
        rebalancesToday += 1;
        lastRebalanceAt = block.timestamp;
    }

    /// @dev Share moved, realised loss and idle buffer of a finished keeper rebalance.
    function _checkTotals(uint256 totalBefore, uint256 totalAfter, uint256 moved, uint256 loss, uint256 idleAfter)
        internal
        view
    {
        uint256 moveLimit = (totalBefore * _bounds.maxMoveBps) / BPS;
        if (moved > moveLimit) revert MoveTooLarge(moved, moveLimit);
        _checkLoss(totalBefore, loss);
        uint256 minIdle = (totalAfter * _bounds.minIdleBps + BPS - 1) / BPS;
        if (idleAfter < minIdle) revert IdleBelowMinimum(idleAfter, minIdle);
    }

    function _checkLoss(uint256 totalBefore, uint256 loss) internal view {
        uint256 lossLimit = (totalBefore * _bounds.maxLossBps) / BPS;
        if (loss > lossLimit) revert LossTooHigh(loss, lossLimit);
    }

    /// @dev Drops entries older than the window, checks the budgets with this rebalance's loss and flow added, and
    /// records it. Every bounded rebalance (keeper: loss and flow; sentinel: loss only) goes through here.
    function _spendBudgets(uint256 totalBefore, uint256 loss, uint256 flow) internal {
        WindowState memory w = _window;
        while (w.head < w.tail) {
            uint256 e = _ring[w.head % WINDOW_SLOTS];
            if (uint40(e) + WINDOW > block.timestamp) break;
            w.loss -= uint96(e >> 40);
            w.flow -= uint96(e >> 136);
            ++w.head;
        }
        uint256 loss24h = w.loss + loss;
        uint256 lossBudget = (totalBefore * _budgets.maxDailyLossBps) / BPS;
        if (loss24h > lossBudget) revert DailyLossBudgetExceeded(loss24h, lossBudget);
        uint256 flow24h = w.flow + flow;
        uint256 flowBudget = (totalBefore * _budgets.maxDailyFlowBps) / BPS;
        if (flow24h > flowBudget) revert DailyFlowBudgetExceeded(flow24h, flowBudget);
        if (loss != 0 || flow != 0) {
            if (w.tail - w.head == WINDOW_SLOTS) revert WindowFull(WINDOW_SLOTS);
            _ring[w.tail % WINDOW_SLOTS] =
                block.timestamp | (uint256(SafeCast.toUint96(loss)) << 40) | (uint256(SafeCast.toUint96(flow)) << 136);
            ++w.tail;
            w.loss = SafeCast.toUint96(loss24h);
            w.flow = SafeCast.toUint96(flow24h);
        }
        _window = w;
    }
}
