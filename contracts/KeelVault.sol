// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IKeelAllocatorHooks} from "./interfaces/IKeelVault.sol";
import {KeelTimelock} from "./KeelTimelock.sol";

/// @title KeelVault
/// @notice ERC-4626 vault over one base asset. Idle assets sit here; the allocator moves them into
/// allow-listed adapters within on-chain bounds and keeps their books. `totalAssets` = idle + Σ booked adapter values −
/// profit still unlocking: no live adapter call, so withdrawals of idle funds always work.
/// Deposits stop while paused or shut down; withdrawals keep working (idle first, then adapters in order).
/// `withdraw` / `redeem` pay exactly what EIP-4626 previews or revert; their `maxLossBps` variants accept an exit cost.
/// A decimals offset (virtual shares) defeats the inflation / donation attack; rounding favours the vault.
/// Raising the deposit cap and granting roles other than the guardian's are timelocked (KeelTimelock).
contract KeelVault is ERC4626, AccessControl, KeelTimelock {
    using SafeERC20 for IERC20;

    /// @notice The manager (intended: a Safe). Holds DEFAULT_ADMIN_ROLE too.
    bytes32 public constant MANAGER_ROLE = keccak256("MANAGER_ROLE");
    /// @notice May pause (never unpause).
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");
    /// @dev The allocator's sentinel may pause the vault and revoke its pending changes.
    bytes32 private constant SENTINEL_ROLE = keccak256("SENTINEL_ROLE");
    uint256 private constant BPS = 10_000;

    uint8 private immutable _offset;
    /// @notice Deposits stop once totalAssets reaches this (base units); type(uint256).max = no cap.
    uint256 public depositCap;
    /// @notice The allocator; set once.
    address public allocator;
    bool private _paused;
    bool private _shutdown;
    uint256 private _lock = 1;

    error VaultPaused();
    error VaultShutdown();
    error AllocatorAlreadySet();
    error AllocatorMismatch(address allocator);
    error NotAllocator(address caller);
    error ReentrantCall();
    error ZeroAddress();
    error ZeroShares();
    error InsufficientLiquidity(uint256 requested, uint256 available);
    error ExceededMaxLoss(uint256 loss, uint256 maxLoss);
    error InvalidBps(uint256 value);

    event Paused(address indexed by);
    event Unpaused(address indexed by);
    event Shutdown(address indexed by, uint256 recovered);
    event DepositCapSet(uint256 depositCap);
    event AllocatorSet(address indexed allocator);
    /// @notice A `withdrawWithLoss` / `redeemWithLoss` pull cost `loss`: the receiver got `requested - loss`.
    event WithdrawalLoss(address indexed owner, uint256 requested, uint256 loss);

    /// @param admin Receives DEFAULT_ADMIN_ROLE and MANAGER_ROLE (the deployer hands them to the manager).
    constructor(IERC20 asset_, string memory name_, string memory symbol_, uint8 decimalsOffset, uint256 cap, address admin)
        ERC20(name_, symbol_)
        ERC4626(asset_)
    {
        if (admin == address(0)) revert ZeroAddress();
        _offset = decimalsOffset;
        depositCap = cap;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(MANAGER_ROLE, admin);
        emit DepositCapSet(cap);
    }

    modifier nonReentrant() {
        if (_lock != 1) revert ReentrantCall();
        _lock = 2;
        _;
        _lock = 1;
    }

    modifier onlyAllocator() {
        if (msg.sender != allocator || allocator == address(0)) revert NotAllocator(msg.sender);
        _;
    }

    // ---------------------------------------------------------------- views

    /// @notice Base units held by the vault itself.
    function idle() public view returns (uint256) {
        return IERC20(asset()).balanceOf(address(this));
    }

    function paused() external view returns (bool) {
        return _paused;
    }

    function isShutdown() external view returns (bool) {
        return _shutdown;
    }

    /// @notice idle + Σ adapter debt (stored valuations, see KeelAccounting) − profit still unlocking. Never calls an
    /// adapter, so a broken source cannot freeze deposits or withdrawals.
    function totalAssets() public view override returns (uint256) {
        address a = allocator;
        if (a == address(0)) return idle();
        (uint256 debt, uint256 locked) = IKeelAllocatorHooks(a).booked();
        uint256 total = idle() + debt;
        return total > locked ? total - locked : 0;
    }

    /// @notice Base units a lossless withdrawal can take right now: idle + what the adapters can pay at no cost.
    function availableLiquidity() public view returns (uint256) {
        return _liquidity(0);
    }

    function maxDeposit(address) public view override returns (uint256) {
        if (_paused || _shutdown) return 0;
        uint256 cap = depositCap;
        if (cap == type(uint256).max) return type(uint256).max;
        uint256 total = totalAssets();
        return cap > total ? cap - total : 0;
    }

    function maxMint(address receiver) public view override returns (uint256) {
        uint256 d = maxDeposit(receiver);
        return d == type(uint256).max ? d : _convertToShares(d, Math.Rounding.Floor);
    }

    /// @notice What `withdraw(assets, receiver, owner)` pays for sure: the owner's assets, bounded by what idle and
    /// the lossless adapters can pay now.
    function maxWithdraw(address owner) public view override returns (uint256) {
        return maxWithdrawWithLoss(owner, 0);
    }

    /// @notice The same for `withdrawWithLoss(…, maxLossBps)`: adapters whose exit costs at most `maxLossBps` count too.
    function maxWithdrawWithLoss(address owner, uint256 maxLossBps) public view returns (uint256) {
        return Math.min(super.maxWithdraw(owner), _liquidity(maxLossBps));
    }

    function maxRedeem(address owner) public view override returns (uint256) {
        return maxRedeemWithLoss(owner, 0);
    }

    /// @notice The same for `redeemWithLoss(…, maxLossBps)`.
    function maxRedeemWithLoss(address owner, uint256 maxLossBps) public view returns (uint256) {
        return Math.min(super.maxRedeem(owner), _convertToShares(_liquidity(maxLossBps), Math.Rounding.Floor));
    }

    function _liquidity(uint256 maxLossBps) private view returns (uint256) {
        address a = allocator;
        return idle() + (a == address(0) ? 0 : IKeelAllocatorHooks(a).withdrawableLiquidity(maxLossBps));
    }

    function _decimalsOffset() internal view override returns (uint8) {
        return _offset;
    }

    // ---------------------------------------------------------------- user entry points

    function deposit(uint256 assets, address receiver) public override nonReentrant returns (uint256) {
        _requireOpen();
        return super.deposit(assets, receiver);
    }

    function mint(uint256 shares, address receiver) public override nonReentrant returns (uint256) {
        _requireOpen();
        return super.mint(shares, receiver);
    }

    /// @notice EIP-4626 withdraw: pays exactly `assets` and burns `previewWithdraw(assets)` shares, or reverts. It
    /// pulls only from adapters that exit at no cost (see `maxWithdraw`).
    function withdraw(uint256 assets, address receiver, address owner) public override nonReentrant returns (uint256) {
        return _withdrawAssets(assets, receiver, owner, 0);
    }

    /// @notice Withdraw accepting an exit cost (Yearn v3's `max_loss`): may also pull from adapters that exit at a
    /// cost (an AMM position) up to `maxLossBps` of `assets`; pays `assets − cost` and reverts beyond it. A loss an
    /// adapter had not reported yet is booked first, for every holder, before the withdrawal is priced.
    function withdrawWithLoss(uint256 assets, address receiver, address owner, uint256 maxLossBps)
        external
        nonReentrant
        returns (uint256)
    {
        return _withdrawAssets(assets, receiver, owner, maxLossBps);
    }

    /// @notice EIP-4626 redeem: pays exactly `previewRedeem(shares)`, or reverts (lossless adapters only).
    function redeem(uint256 shares, address receiver, address owner) public override nonReentrant returns (uint256) {
        return _redeemShares(shares, receiver, owner, 0);
    }

    /// @notice Redeem accepting an exit cost of at most `maxLossBps` (see `withdrawWithLoss`).
    function redeemWithLoss(uint256 shares, address receiver, address owner, uint256 maxLossBps)
        external
        nonReentrant
        returns (uint256)
    {
        return _redeemShares(shares, receiver, owner, maxLossBps);
    }

    function _withdrawAssets(uint256 assets, address receiver, address owner, uint256 maxLossBps)
        private
        returns (uint256 shares)
    {
        uint256 max = assets > idle() ? maxWithdrawWithLoss(owner, maxLossBps) : super.maxWithdraw(owner);
        if (assets > max) revert ERC4626ExceededMaxWithdraw(owner, assets, max);
        uint256 total = totalAssets();
        uint256 cost;
        if (assets > idle()) (total, cost) = _pull(assets - idle(), maxLossBps, total);
        shares = Math.mulDiv(assets, totalSupply() + 10 ** _offset, total + 1, Math.Rounding.Ceil);
        _checkLoss(cost, assets, owner, maxLossBps);
        _withdraw(_msgSender(), receiver, owner, assets - cost, shares);
    }

    function _redeemShares(uint256 shares, address receiver, address owner, uint256 maxLossBps)
        private
        returns (uint256 assets)
    {
        uint256 max = maxRedeemWithLoss(owner, maxLossBps);
        if (shares > max) revert ERC4626ExceededMaxRedeem(owner, shares, max);
        uint256 total = totalAssets();
        uint256 supply = totalSupply() + 10 ** _offset;
        assets = Math.mulDiv(shares, total + 1, supply, Math.Rounding.Floor);
        uint256 cost;
        if (assets > idle()) {
            (total, cost) = _pull(assets - idle(), maxLossBps, total);
            assets = Math.mulDiv(shares, total + 1, supply, Math.Rounding.Floor);
        }
        _checkLoss(cost, assets, owner, maxLossBps);
        assets -= cost;
        _withdraw(_msgSender(), receiver, owner, assets, shares);
    }

    /// @dev Pulls `need` from the adapters. Lossless (0): any cost beyond rounding reverts, and the withdrawal keeps its
    /// price (`total`). Otherwise the withdrawal is priced after the pull booked any unreported loss (the pull's own
    /// exit cost excluded: that one is the withdrawer's, returned as `cost`).
    function _pull(uint256 need, uint256 maxLossBps, uint256 total) private returns (uint256, uint256 cost) {
        (, cost) = IKeelAllocatorHooks(allocator).pullForWithdraw(need, maxLossBps);
        if (maxLossBps == 0) {
            if (cost != 0) revert ExceededMaxLoss(cost, 0);
            return (total, 0);
        }
        return (totalAssets() + cost, cost);
    }

    function _checkLoss(uint256 cost, uint256 assets, address owner, uint256 maxLossBps) private {
        if (maxLossBps > BPS) revert InvalidBps(maxLossBps);
        uint256 limit = Math.mulDiv(assets, maxLossBps, BPS);
        if (cost > limit) revert ExceededMaxLoss(cost, limit);
        if (cost != 0) emit WithdrawalLoss(owner, assets, cost);
    }

    /// @dev A deposit too small to mint one share reverts instead of being absorbed (donation-attack victims keep
    /// their assets).
    function _deposit(address caller, address receiver, uint256 assets, uint256 shares) internal override {
        if (shares == 0) revert ZeroShares();
        super._deposit(caller, receiver, assets, shares);
    }

    /// @dev Pays `assets` from idle (the pull, if any, already happened).
    function _withdraw(address caller, address receiver, address owner, uint256 assets, uint256 shares)
        internal
        override
    {
        uint256 held = idle();
        if (held < assets) revert InsufficientLiquidity(assets, held);
        super._withdraw(caller, receiver, owner, assets, shares);
    }

    function _requireOpen() private view {
        if (_shutdown) revert VaultShutdown();
        if (_paused) revert VaultPaused();
    }

    // ---------------------------------------------------------------- kill-switch

    /// @notice Stops deposits and rebalances; guardian, manager or the allocator's sentinel. Idempotent.
    function pause() external {
        if (!hasRole(GUARDIAN_ROLE, msg.sender) && !hasRole(MANAGER_ROLE, msg.sender) && !_isSentinel(msg.sender)) {
            revert AccessControlUnauthorizedAccount(msg.sender, GUARDIAN_ROLE);
        }
        if (_paused) return;
        _paused = true;
        emit Paused(msg.sender);
    }

    /// @notice Manager only: the guardian can stop, never restart.
    function unpause() external onlyRole(MANAGER_ROLE) {
        if (!_paused) return;
        _paused = false;
        emit Unpaused(msg.sender);
    }

    /// @notice One-way: pauses for good and unwinds every adapter to idle through its emergency path.
    function shutdown() external onlyRole(MANAGER_ROLE) nonReentrant {
        if (_shutdown) revert VaultShutdown();
        _shutdown = true;
        _paused = true;
        uint256 recovered = allocator == address(0) ? 0 : IKeelAllocatorHooks(allocator).unwindAll();
        emit Shutdown(msg.sender, recovered);
    }

    // ---------------------------------------------------------------- manager settings

    /// @notice Connects the allocator; once.
    function setAllocator(address allocator_) external onlyRole(MANAGER_ROLE) {
        if (allocator != address(0)) revert AllocatorAlreadySet();
        if (allocator_ == address(0)) revert ZeroAddress();
        if (IKeelAllocatorHooks(allocator_).vault() != address(this)) revert AllocatorMismatch(allocator_);
        allocator = allocator_;
        emit AllocatorSet(allocator_);
    }

    /// @notice Sets the deposit cap; raising it is timelocked.
    function setDepositCap(uint256 cap) external onlyRole(MANAGER_ROLE) {
        if (cap > depositCap) _consumeTimelock(msg.sig);
        depositCap = cap;
        emit DepositCapSet(cap);
    }

    /// @notice Grants a role; timelocked for every role but the guardian's (which can only pause).
    function grantRole(bytes32 role, address account) public override {
        _checkRole(getRoleAdmin(role));
        if (role != GUARDIAN_ROLE) _consumeTimelock(msg.sig);
        _grantRole(role, account);
    }

    function _checkSubmitter() internal view override {
        _checkRole(MANAGER_ROLE);
    }

    function _checkRevoker() internal view override {
        if (!_isSentinel(msg.sender)) _checkRole(MANAGER_ROLE);
    }

    function _isSentinel(address who) private view returns (bool) {
        address a = allocator;
        return a != address(0) && IKeelAllocatorHooks(a).hasRole(SENTINEL_ROLE, who);
    }

    // ---------------------------------------------------------------- allocator hooks

    function transferToAdapter(address adapter, uint256 assets) external onlyAllocator {
        IERC20(asset()).safeTransfer(adapter, assets);
    }

    function beginAllocation() external onlyAllocator {
        if (_lock != 1) revert ReentrantCall();
        _lock = 2;
    }

    function endAllocation() external onlyAllocator {
        _lock = 1;
    }
}
