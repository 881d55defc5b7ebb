// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IKeelAdapter} from "./interfaces/IKeelAdapter.sol";
import {IKeelVault} from "./interfaces/IKeelVault.sol";
import {KeelAllocatorAdmin} from "./KeelAllocatorAdmin.sol";

/// @title KeelAllocator
/// @notice Moves the vault's assets between idle and allow-listed adapters and keeps their books (KeelAccounting).
/// Three actors, least power first: a sentinel may only move funds to idle (bounded by the loss bounds) and reduce
/// risk; the keeper rebalances inside every bound (per rebalance, per adapter and over a rolling 24 h); the manager
/// (a Safe) rebalances without the keeper's operational bounds but inside the adapter caps, and changes settings —
/// risk-increasing ones only through a timelock (KeelAllocatorAdmin). Every rebalance carries a one-time intent id and
/// a commitment to the decision it came from (hashes of the snapshot, model and config).
contract KeelAllocator is KeelAllocatorAdmin {
    uint256 public constant MAX_MOVES = 16;
    /// @notice Rounding a lossless withdrawal may cost per adapter (socialised; anything more is a loss).
    uint256 public constant ROUNDING_DUST = 10;

    struct Move {
        address adapter;
        bool deposit;
        uint256 assets;
    }

    /// @notice What a rebalance was decided on: hashes of the snapshot, the model and the config.
    struct Commitment {
        bytes32 snapshotHash;
        bytes32 modelHash;
        bytes32 configHash;
    }

    enum Actor {
        Manager,
        Keeper,
        Sentinel
    }

    mapping(bytes32 intentId => bool) public intentUsed;

    error IntentAlreadyUsed(bytes32 intentId);
    error VaultPaused();
    error VaultShutdown();
    error NotVault(address caller);
    error NoMoves();
    error TooManyMoves(uint256 count, uint256 max);
    error ZeroAmount();
    error InsufficientIdle(uint256 requested, uint256 idle);
    error SentinelMayOnlyWithdraw();
    error AdapterCapExceeded(address adapter, uint256 assets, uint256 cap);
    error InflowTooLarge(address adapter, uint256 assets, uint256 limit);
    error OutflowTooLarge(address adapter, uint256 assets, uint256 limit);

    /// @notice `loss`: what the moves themselves realised (entry and exit costs), bounded for keeper and sentinel.
    event Rebalanced(
        bytes32 indexed intentId,
        address indexed caller,
        uint256 totalAssetsBefore,
        uint256 totalAssetsAfter,
        uint256 loss,
        Move[] moves,
        Commitment commitment
    );
    event EmergencyExit(address indexed adapter, uint256 recovered);
    event EmergencyExitFailed(address indexed adapter, bytes reason);
    event PulledForWithdraw(address indexed adapter, uint256 assets, uint256 loss);
    event PullFailed(address indexed adapter, uint256 assets, bytes reason);

    /// @param admin Receives DEFAULT_ADMIN_ROLE and MANAGER_ROLE (the deployer hands them to the manager).
    constructor(
        address vault_,
        address admin,
        Bounds memory bounds_,
        Budgets memory budgets_,
        uint256 profitUnlockTime_
    ) KeelAllocatorAdmin(vault_, admin) {
        _setBounds(bounds_);
        _setBudgets(budgets_);
        _setProfitUnlockTime(profitUnlockTime_);
    }

    modifier onlyVault() {
        if (msg.sender != vault) revert NotVault(msg.sender);
        _;
    }

    // ---------------------------------------------------------------- views

    /// @notice What the adapters can pay a vault withdrawal now, from adapters whose exit cost is at most `maxLossBps`;
    /// with 0, only adapters that withdraw at no cost and carry no unrealised loss (what `pullForWithdraw` will use).
    function withdrawableLiquidity(uint256 maxLossBps) external view returns (uint256 total) {
        uint256 n = _adapters.length;
        for (uint256 i; i < n; ++i) {
            address a = _adapters[i];
            (bool usable,) = _pullable(a, maxLossBps);
            if (usable) total += _maxWithdraw(a);
        }
    }

    // ---------------------------------------------------------------- rebalance

    /// @notice Applies `moves` in order. Keeper: within every bound. Sentinel: withdrawals only, within the loss
    /// bounds. Manager: within the adapter caps and the AMM deviation bound only.
    function rebalance(bytes32 intentId, Move[] calldata moves, Commitment calldata commitment) external {
        IKeelVault v = IKeelVault(vault);
        if (v.isShutdown()) revert VaultShutdown();
        if (v.paused()) revert VaultPaused();
        Actor actor = _actor(msg.sender);
        if (intentUsed[intentId]) revert IntentAlreadyUsed(intentId);
        uint256 n = moves.length;
        if (n == 0) revert NoMoves();
        if (n > MAX_MOVES) revert TooManyMoves(n, MAX_MOVES);
        intentUsed[intentId] = true;
        if (actor == Actor.Keeper) _checkRate();
        _countRebalance();

        v.beginAllocation();
        uint256 totalBefore = v.totalAssets();
        (uint256 moved, uint256 loss) = _applyMoves(v, moves, actor == Actor.Sentinel);
        uint256 totalAfter = v.totalAssets();
        if (actor == Actor.Keeper) {
            _checkTotals(totalBefore, totalAfter, moved, loss, v.idle());
            _checkFlows(moves);
            _spendBudgets(totalBefore, loss, moved);
        } else if (actor == Actor.Sentinel) {
            _checkLoss(totalBefore, loss);
            _spendBudgets(totalBefore, loss, 0);
        }
        _checkCaps(moves, totalAfter);
        v.endAllocation();
        emit Rebalanced(intentId, msg.sender, totalBefore, totalAfter, loss, moves, commitment);
    }

    function _actor(address who) private view returns (Actor) {
        if (hasRole(MANAGER_ROLE, who)) return Actor.Manager;
        if (hasRole(KEEPER_ROLE, who)) return Actor.Keeper;
        if (hasRole(SENTINEL_ROLE, who)) return Actor.Sentinel;
        revert AccessControlUnauthorizedAccount(who, KEEPER_ROLE);
    }

    /// @dev Each move: value the adapter (its own error if it cannot be valued), book what it gained or lost since
    /// the last measure, move, value again; the difference is the move's cost (or a gain, locked).
    function _applyMoves(IKeelVault v, Move[] calldata moves, bool withdrawOnly)
        private
        returns (uint256 moved, uint256 loss)
    {
        for (uint256 i; i < moves.length; ++i) {
            Move calldata m = moves[i];
            if (!_state[m.adapter].listed) revert UnknownAdapter(m.adapter);
            if (m.assets == 0) revert ZeroAmount();
            IKeelAdapter a = IKeelAdapter(m.adapter);
            uint256 before = a.checkedAssets();
            _settle(m.adapter, before);
            uint256 expected;
            uint256 got;
            if (m.deposit) {
                if (withdrawOnly) revert SentinelMayOnlyWithdraw();
                uint256 held = v.idle();
                if (m.assets > held) revert InsufficientIdle(m.assets, held);
                v.transferToAdapter(m.adapter, m.assets);
                a.deposit(m.assets);
                expected = before + m.assets;
            } else {
                uint256 idle0 = v.idle();
                a.withdraw(m.assets);
                got = v.idle() - idle0;
                expected = before;
            }
            uint256 value = a.checkedAssets();
            _setDebt(m.adapter, value);
            value += got;
            if (value < expected) loss += expected - value;
            else if (value > expected) _lockProfit(value - expected);
            moved += m.assets;
        }
    }

    /// @dev Absolute and relative caps of every adapter deposited into (every caller).
    function _checkCaps(Move[] calldata moves, uint256 totalAfter) private view {
        for (uint256 i; i < moves.length; ++i) {
            if (!moves[i].deposit) continue;
            address a = moves[i].adapter;
            AdapterState storage s = _state[a];
            uint256 held = s.debt;
            if (held > s.absoluteCap) revert AdapterCapExceeded(a, held, s.absoluteCap);
            uint256 cap = (totalAfter * s.relativeCapBps) / BPS;
            if (held > cap) revert AdapterCapExceeded(a, held, cap);
        }
    }

    /// @dev Per-adapter inflow and outflow of one keeper rebalance (Σ over its moves).
    function _checkFlows(Move[] calldata moves) private view {
        uint256 n = moves.length;
        for (uint256 i; i < n; ++i) {
            Move calldata m = moves[i];
            bool seen;
            for (uint256 j; j < i && !seen; ++j) seen = moves[j].adapter == m.adapter && moves[j].deposit == m.deposit;
            if (seen) continue;
            uint256 sum;
            for (uint256 j = i; j < n; ++j) {
                if (moves[j].adapter == m.adapter && moves[j].deposit == m.deposit) sum += moves[j].assets;
            }
            AdapterState storage s = _state[m.adapter];
            if (m.deposit && sum > s.maxInflow) revert InflowTooLarge(m.adapter, sum, s.maxInflow);
            if (!m.deposit && sum > s.maxOutflow) revert OutflowTooLarge(m.adapter, sum, s.maxOutflow);
        }
    }

    // ---------------------------------------------------------------- reports and exits

    /// @notice Books the adapter at its checked value (anyone): a gain is locked, a loss realised; an adapter that
    /// cannot be valued keeps its booked value and `ValuationFailed` says why.
    function report(address adapter) external returns (uint256 value) {
        if (!_state[adapter].listed) revert UnknownAdapter(adapter);
        IKeelVault(vault).beginAllocation();
        (bool ok, uint256 v, bytes memory reason) = _tryValue(adapter);
        if (ok) _settle(adapter, v);
        else emit ValuationFailed(adapter, reason);
        IKeelVault(vault).endAllocation();
        return ok ? v : _state[adapter].debt;
    }

    /// @notice Runs one adapter's emergency exit (no prices; failures reported, never reverting), manager or sentinel.
    function emergencyExit(address adapter) external returns (uint256 recovered) {
        _checkRevoker();
        if (!_state[adapter].listed) revert UnknownAdapter(adapter);
        IKeelVault(vault).beginAllocation();
        recovered = _emergency(adapter);
        IKeelVault(vault).endAllocation();
    }

    function _emergency(address adapter) private returns (uint256 got) {
        IKeelVault v = IKeelVault(vault);
        uint256 idle0 = v.idle();
        try IKeelAdapter(adapter).emergencyWithdraw() {}
        catch (bytes memory reason) {
            emit EmergencyExitFailed(adapter, reason);
            return 0;
        }
        got = v.idle() - idle0;
        uint256 booked_ = _state[adapter].debt;
        (bool ok, uint256 value,) = _tryValue(adapter);
        if (!ok) value = booked_ > got ? booked_ - got : 0; // keep the rest booked until it can be valued
        // What left plus what is still there, against the books: an emergency exit's result is everyone's.
        _setDebt(adapter, value);
        if (value + got < booked_) _offsetLoss(booked_ - value - got);
        else if (value + got > booked_) _lockProfit(value + got - booked_);
        emit EmergencyExit(adapter, got);
    }

    // ---------------------------------------------------------------- vault hooks

    /// @notice Pulls up to `assets` into the vault from the adapters in order, using only adapters a withdrawal at
    /// `maxLossBps` may use (see `withdrawableLiquidity`); returns what arrived and the exit cost it realised.
    function pullForWithdraw(uint256 assets, uint256 maxLossBps)
        external
        onlyVault
        returns (uint256 received, uint256 loss)
    {
        uint256 n = _adapters.length;
        for (uint256 i; i < n && received < assets; ++i) {
            address a = _adapters[i];
            (bool usable, uint256 value) = _pullable(a, maxLossBps);
            if (!usable) continue;
            _settle(a, value);
            uint256 take = assets - received;
            uint256 available = _maxWithdraw(a);
            if (available < take) take = available;
            if (take == 0) continue;
            (uint256 got, uint256 cost) = _pullOne(a, take, value);
            received += got;
            loss += cost;
        }
    }

    function _pullOne(address a, uint256 take, uint256 value) private returns (uint256 got, uint256 cost) {
        IKeelVault v = IKeelVault(vault);
        uint256 idle0 = v.idle();
        // One failing source (e.g. a swap missing its oracle min-out) must not block the vault's withdrawals.
        try IKeelAdapter(a).withdraw(take) {}
        catch (bytes memory reason) {
            emit PullFailed(a, take, reason);
            return (0, 0);
        }
        got = v.idle() - idle0;
        (bool ok, uint256 after_,) = _tryValue(a);
        if (!ok) after_ = value > got ? value - got : 0;
        _setDebt(a, after_);
        if (after_ + got < value) {
            cost = value - after_ - got;
            if (cost <= ROUNDING_DUST) cost = 0; // rounding is socialised (and already in the books)
        } else if (after_ + got > value) {
            _lockProfit(after_ + got - value);
        }
        emit PulledForWithdraw(a, got, cost);
    }

    /// @dev Whether a withdrawal at `maxLossBps` may pull from `a`, and its value: the adapter must be valued, have
    /// something booked, and exit within `maxLossBps`; a lossless pull (0) also skips adapters whose value is below
    /// their debt (their loss must be reported first, for everyone, not dodged by whoever withdraws first).
    function _pullable(address a, uint256 maxLossBps) private view returns (bool, uint256) {
        uint256 booked_ = _state[a].debt;
        if (booked_ == 0) return (false, 0);
        try IKeelAdapter(a).exitCostBps() returns (uint256 cost) {
            if (cost > maxLossBps) return (false, 0);
        } catch {
            return (false, 0);
        }
        (bool ok, uint256 value,) = _tryValue(a);
        if (!ok) return (false, 0);
        if (maxLossBps == 0 && value + ROUNDING_DUST < booked_) return (false, 0);
        return (true, value);
    }

    /// @dev The adapter's maxWithdraw; 0 when it reverts (it cannot pay now).
    function _maxWithdraw(address a) private view returns (uint256) {
        try IKeelAdapter(a).maxWithdraw() returns (uint256 m) {
            return m;
        } catch {
            return 0;
        }
    }

    function unwindAll() external onlyVault returns (uint256 recovered) {
        uint256 n = _adapters.length;
        for (uint256 i; i < n; ++i) recovered += _emergency(_adapters[i]);
    }

    // ---------------------------------------------------------------- forced removal

    /// @notice Removes an adapter. Unforced, it must hold nothing. Forced (Yearn's `revoke_strategy(force)`), the
    /// adapter is not called at all and its remaining debt is written off as a loss — for a broken adapter; run
    /// `emergencyExit` first to recover what it can still return.
    function removeAdapter(address adapter, bool force) external onlyRole(MANAGER_ROLE) {
        AdapterState storage s = _state[adapter];
        if (!s.listed) revert UnknownAdapter(adapter);
        uint256 writtenOff = s.debt;
        if (!force) {
            (bool ok, uint256 value,) = _tryValue(adapter);
            uint256 held = ok && value > writtenOff ? value : writtenOff;
            if (held != 0) revert AdapterNotEmpty(adapter, held);
        }
        IKeelVault(vault).beginAllocation();
        if (writtenOff != 0) {
            totalDebt -= writtenOff;
            _offsetLoss(writtenOff);
        }
        IKeelVault(vault).endAllocation();
        _delist(adapter);
        emit AdapterRemoved(adapter, writtenOff);
    }
}
