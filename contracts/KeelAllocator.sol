// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IKeelAdapter} from "./interfaces/IKeelAdapter.sol";
import {IKeelVault} from "./interfaces/IKeelVault.sol";
import {KeelBounds} from "./KeelBounds.sol";

/// @title KeelAllocator
/// @notice Holds the adapter allow-list and moves the vault's assets between idle and adapters.
/// The keeper acts only inside on-chain bounds; the manager (a Safe) sets the bounds and the allow-list and may
/// rebalance without the keeper bounds. Every rebalance carries a caller-supplied intent id that can be used once.
contract KeelAllocator is AccessControl, KeelBounds {
    bytes32 public constant MANAGER_ROLE = keccak256("MANAGER_ROLE");
    bytes32 public constant KEEPER_ROLE = keccak256("KEEPER_ROLE");
    uint256 public constant MAX_ADAPTERS = 8;
    uint256 public constant MAX_MOVES = 16;

    struct Move {
        address adapter;
        bool deposit;
        uint256 assets;
    }

    struct AdapterConfig {
        bool listed;
        uint256 capBps; // adapter valuation / totalAssets after a keeper deposit
    }

    /// @notice The vault whose assets this allocator moves.
    address public immutable vault;

    address[] private _adapters;
    mapping(address adapter => AdapterConfig) private _config;
    mapping(bytes32 intentId => bool) public intentUsed;

    error IntentAlreadyUsed(bytes32 intentId);
    error VaultPaused();
    error VaultShutdown();
    error NotVault(address caller);
    error NoMoves();
    error TooManyMoves(uint256 count, uint256 max);
    error ZeroAmount();
    error InsufficientIdle(uint256 requested, uint256 idle);
    error UnknownAdapter(address adapter);
    error AdapterAlreadyListed(address adapter);
    error TooManyAdapters(uint256 max);
    error AdapterAssetMismatch(address adapter);
    error AdapterNotEmpty(address adapter, uint256 assets);
    error AdapterCapExceeded(address adapter, uint256 assets, uint256 cap);

    event Rebalanced(
        bytes32 indexed intentId, address indexed caller, uint256 totalAssetsBefore, uint256 totalAssetsAfter, Move[] moves
    );
    event AdapterAdded(address indexed adapter, uint256 capBps);
    event AdapterCapSet(address indexed adapter, uint256 capBps);
    /// @notice `abandoned`: value still in the adapter after a forced exit, written off by the manager.
    event AdapterRemoved(address indexed adapter, uint256 recovered, uint256 abandoned);
    event EmergencyExit(address indexed adapter, uint256 recovered);
    event EmergencyExitFailed(address indexed adapter, bytes reason);
    event PulledForWithdraw(address indexed adapter, uint256 assets);
    event PullFailed(address indexed adapter, uint256 assets, bytes reason);

    /// @param admin Receives DEFAULT_ADMIN_ROLE and MANAGER_ROLE (the deployer hands them to the manager).
    constructor(address vault_, address admin, Bounds memory bounds_) {
        vault = vault_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(MANAGER_ROLE, admin);
        _setBounds(bounds_);
    }

    modifier onlyVault() {
        if (msg.sender != vault) revert NotVault(msg.sender);
        _;
    }

    // ---------------------------------------------------------------- views

    function getAdapters() external view returns (address[] memory) {
        return _adapters;
    }

    function isAdapter(address adapter) external view returns (bool) {
        return _config[adapter].listed;
    }

    function adapterCapBps(address adapter) external view returns (uint256) {
        return _config[adapter].capBps;
    }

    function totalAdapterAssets() public view returns (uint256 total) {
        uint256 n = _adapters.length;
        for (uint256 i; i < n; ++i) total += IKeelAdapter(_adapters[i]).totalAssets();
    }

    /// @notice Σ adapter maxWithdraw; an adapter whose maxWithdraw reverts counts as 0 (it cannot pay now).
    function maxWithdrawable() external view returns (uint256 total) {
        uint256 n = _adapters.length;
        for (uint256 i; i < n; ++i) total += _maxWithdraw(IKeelAdapter(_adapters[i]));
    }

    function _maxWithdraw(IKeelAdapter a) private view returns (uint256) {
        try a.maxWithdraw() returns (uint256 m) {
            return m;
        } catch {
            return 0;
        }
    }

    // ---------------------------------------------------------------- rebalance

    /// @notice Applies `moves` in order. Keeper: within bounds. Manager: without the keeper bounds.
    function rebalance(bytes32 intentId, Move[] calldata moves) external {
        IKeelVault v = IKeelVault(vault);
        if (v.isShutdown()) revert VaultShutdown();
        if (v.paused()) revert VaultPaused();
        bool bounded = !hasRole(MANAGER_ROLE, msg.sender);
        if (bounded && !hasRole(KEEPER_ROLE, msg.sender)) revert AccessControlUnauthorizedAccount(msg.sender, KEEPER_ROLE);
        if (intentUsed[intentId]) revert IntentAlreadyUsed(intentId);
        uint256 n = moves.length;
        if (n == 0) revert NoMoves();
        if (n > MAX_MOVES) revert TooManyMoves(n, MAX_MOVES);
        intentUsed[intentId] = true;
        if (bounded) _checkRate();
        _countRebalance();

        v.beginAllocation();
        uint256 totalBefore = v.totalAssets();
        uint256 moved;
        for (uint256 i; i < n; ++i) {
            Move calldata m = moves[i];
            if (!_config[m.adapter].listed) revert UnknownAdapter(m.adapter);
            if (m.assets == 0) revert ZeroAmount();
            if (m.deposit) {
                uint256 held = v.idle();
                if (m.assets > held) revert InsufficientIdle(m.assets, held);
                v.transferToAdapter(m.adapter, m.assets);
                IKeelAdapter(m.adapter).deposit(m.assets);
            } else {
                IKeelAdapter(m.adapter).withdraw(m.assets);
            }
            moved += m.assets;
        }
        uint256 totalAfter = v.totalAssets();
        if (bounded) _checkBounds(moves, totalBefore, totalAfter, moved, v.idle());
        v.endAllocation();
        emit Rebalanced(intentId, msg.sender, totalBefore, totalAfter, moves);
    }

    /// @dev The keeper bounds of a finished rebalance: totals (KeelBounds) and each deposited adapter's cap.
    function _checkBounds(Move[] calldata moves, uint256 totalBefore, uint256 totalAfter, uint256 moved, uint256 idleAfter)
        private
        view
    {
        _checkTotals(totalBefore, totalAfter, moved, idleAfter);
        for (uint256 i; i < moves.length; ++i) {
            if (!moves[i].deposit) continue;
            address a = moves[i].adapter;
            uint256 cap = (totalAfter * _config[a].capBps) / BPS;
            uint256 held = IKeelAdapter(a).totalAssets();
            if (held > cap) revert AdapterCapExceeded(a, held, cap);
        }
    }

    // ---------------------------------------------------------------- manager

    function setBounds(Bounds calldata bounds_) external onlyRole(MANAGER_ROLE) {
        _setBounds(bounds_);
    }

    function addAdapter(address adapter, uint256 capBps) external onlyRole(MANAGER_ROLE) {
        if (_config[adapter].listed) revert AdapterAlreadyListed(adapter);
        if (_adapters.length >= MAX_ADAPTERS) revert TooManyAdapters(MAX_ADAPTERS);
        if (capBps > BPS) revert InvalidBps(capBps);
        if (IKeelAdapter(adapter).asset() != IKeelVault(vault).asset()) revert AdapterAssetMismatch(adapter);
        _config[adapter] = AdapterConfig({listed: true, capBps: capBps});
        _adapters.push(adapter);
        emit AdapterAdded(adapter, capBps);
    }

    function setAdapterCap(address adapter, uint256 capBps) external onlyRole(MANAGER_ROLE) {
        if (!_config[adapter].listed) revert UnknownAdapter(adapter);
        if (capBps > BPS) revert InvalidBps(capBps);
        _config[adapter].capBps = capBps;
        emit AdapterCapSet(adapter, capBps);
    }

    /// @notice Removes an adapter; it must be empty unless `forceExit`, which first runs its emergency exit.
    function removeAdapter(address adapter, bool forceExit) external onlyRole(MANAGER_ROLE) {
        if (!_config[adapter].listed) revert UnknownAdapter(adapter);
        uint256 recovered;
        uint256 abandoned;
        uint256 held = IKeelAdapter(adapter).totalAssets();
        if (held != 0) {
            if (!forceExit) revert AdapterNotEmpty(adapter, held);
            IKeelVault(vault).beginAllocation();
            recovered = IKeelAdapter(adapter).emergencyWithdraw();
            IKeelVault(vault).endAllocation();
            abandoned = IKeelAdapter(adapter).totalAssets();
        }
        delete _config[adapter];
        uint256 n = _adapters.length;
        for (uint256 i; i < n; ++i) {
            if (_adapters[i] == adapter) {
                _adapters[i] = _adapters[n - 1];
                _adapters.pop();
                break;
            }
        }
        emit AdapterRemoved(adapter, recovered, abandoned);
    }

    /// @notice Runs one adapter's emergency exit (no prices) — e.g. again after a shutdown left it non-empty.
    function emergencyExit(address adapter) external onlyRole(MANAGER_ROLE) returns (uint256 recovered) {
        if (!_config[adapter].listed) revert UnknownAdapter(adapter);
        IKeelVault(vault).beginAllocation();
        recovered = IKeelAdapter(adapter).emergencyWithdraw();
        IKeelVault(vault).endAllocation();
        emit EmergencyExit(adapter, recovered);
    }

    // ---------------------------------------------------------------- vault hooks

    function pullForWithdraw(uint256 assets) external onlyVault returns (uint256 pulled) {
        uint256 n = _adapters.length;
        for (uint256 i; i < n && pulled < assets; ++i) {
            IKeelAdapter a = IKeelAdapter(_adapters[i]);
            uint256 take = assets - pulled;
            uint256 available = _maxWithdraw(a);
            if (available < take) take = available;
            if (take == 0) continue;
            // One failing source (e.g. a swap missing its oracle min-out) must not block the vault's withdrawals.
            try a.withdraw(take) returns (uint256 got) {
                pulled += got;
                emit PulledForWithdraw(address(a), got);
            } catch (bytes memory reason) {
                emit PullFailed(address(a), take, reason);
            }
        }
    }

    function unwindAll() external onlyVault returns (uint256 recovered) {
        uint256 n = _adapters.length;
        for (uint256 i; i < n; ++i) {
            address a = _adapters[i];
            try IKeelAdapter(a).emergencyWithdraw() returns (uint256 r) {
                recovered += r;
                emit EmergencyExit(a, r);
            } catch (bytes memory reason) {
                emit EmergencyExitFailed(a, reason);
            }
        }
    }
}
