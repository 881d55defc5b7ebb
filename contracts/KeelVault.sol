// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IKeelAllocatorHooks} from "./interfaces/IKeelVault.sol";

/// @title KeelVault
/// @notice ERC-4626 vault over one base asset. Idle assets sit here; the allocator moves them into
/// allow-listed adapters within on-chain bounds. `totalAssets` = idle + Σ adapter valuations.
/// Deposits stop while paused or shut down; withdrawals always work (idle first, then adapters in order).
/// A decimals offset (virtual shares) defeats the inflation / donation attack; rounding favours the vault.
contract KeelVault is ERC4626, AccessControl {
    using SafeERC20 for IERC20;

    /// @notice The manager (intended: a Safe). Holds DEFAULT_ADMIN_ROLE too.
    bytes32 public constant MANAGER_ROLE = keccak256("MANAGER_ROLE");
    /// @notice May pause (never unpause).
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    uint8 private immutable _offset;
    /// @notice Deposits stop once totalAssets reaches this (base units); type(uint256).max = no cap.
    uint256 public depositCap;
    /// @notice The allocator; set once.
    address public allocator;
    bool private _paused;
    bool private _shutdown;
    uint256 private _lock = 1;
    /// @dev totalAssets as just computed by withdraw / redeem, for _withdraw's loss accounting (same transaction).
    uint256 private transient _totalBefore;

    error VaultPaused();
    error VaultShutdown();
    error AllocatorAlreadySet();
    error AllocatorMismatch(address allocator);
    error NotAllocator(address caller);
    error ReentrantCall();
    error ZeroAddress();
    error ZeroShares();
    error InsufficientLiquidity(uint256 requested, uint256 available);

    event Paused(address indexed by);
    event Unpaused(address indexed by);
    event Shutdown(address indexed by, uint256 recovered);
    event DepositCapSet(uint256 depositCap);
    event AllocatorSet(address indexed allocator);
    /// @notice A withdrawal's pull from the adapters realised `loss` base units; the receiver got `requested - loss`.
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

    /// @notice idle + Σ adapter valuations (oracle-fair for AMM positions).
    function totalAssets() public view override returns (uint256) {
        address a = allocator;
        return idle() + (a == address(0) ? 0 : IKeelAllocatorHooks(a).totalAdapterAssets());
    }

    /// @notice Base units that can leave the vault right now: idle + Σ adapter maxWithdraw.
    function availableLiquidity() public view returns (uint256) {
        address a = allocator;
        return idle() + (a == address(0) ? 0 : IKeelAllocatorHooks(a).maxWithdrawable());
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

    /// @notice Bounded by what is liquid: an illiquid adapter lowers it instead of reverting withdrawals.
    function maxWithdraw(address owner) public view override returns (uint256) {
        return Math.min(super.maxWithdraw(owner), availableLiquidity());
    }

    function maxRedeem(address owner) public view override returns (uint256) {
        return Math.min(super.maxRedeem(owner), _convertToShares(availableLiquidity(), Math.Rounding.Floor));
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

    /// @dev Same checks and rounding as OZ's, with the adapters valued once and asked for liquidity only when
    /// idle cannot pay (saves two passes over the adapters).
    function withdraw(uint256 assets, address receiver, address owner)
        public
        override
        nonReentrant
        returns (uint256 shares)
    {
        (uint256 total, uint256 supply) = (totalAssets(), totalSupply() + 10 ** _offset);
        uint256 max = Math.mulDiv(balanceOf(owner), total + 1, supply, Math.Rounding.Floor);
        if (assets > idle()) max = Math.min(max, availableLiquidity());
        if (assets > max) revert ERC4626ExceededMaxWithdraw(owner, assets, max);
        shares = Math.mulDiv(assets, supply, total + 1, Math.Rounding.Ceil);
        _totalBefore = total;
        _withdraw(_msgSender(), receiver, owner, assets, shares);
    }

    function redeem(uint256 shares, address receiver, address owner)
        public
        override
        nonReentrant
        returns (uint256 assets)
    {
        (uint256 total, uint256 supply) = (totalAssets(), totalSupply() + 10 ** _offset);
        uint256 max = balanceOf(owner);
        assets = Math.mulDiv(shares, total + 1, supply, Math.Rounding.Floor);
        if (shares <= max && assets > idle()) {
            max = Math.min(max, Math.mulDiv(availableLiquidity(), supply, total + 1, Math.Rounding.Floor));
        }
        if (shares > max) revert ERC4626ExceededMaxRedeem(owner, shares, max);
        _totalBefore = total;
        _withdraw(_msgSender(), receiver, owner, assets, shares);
    }

    /// @dev A deposit too small to mint one share reverts instead of being absorbed (donation-attack victims keep
    /// their assets).
    function _deposit(address caller, address receiver, uint256 assets, uint256 shares) internal override {
        if (shares == 0) revert ZeroShares();
        super._deposit(caller, receiver, assets, shares);
    }

    /// @dev Idle first, then the adapters in order. A loss realised by that pull (swap fees, a target's rounding)
    /// is borne by this withdrawal — the receiver gets `assets - loss` (reported by `WithdrawalLoss`) — never by
    /// the remaining shareholders. Like Yearn v3's withdraw with a loss allowance.
    function _withdraw(address caller, address receiver, address owner, uint256 assets, uint256 shares)
        internal
        override
    {
        uint256 held = idle();
        uint256 payout = assets;
        if (held < assets && allocator != address(0)) {
            IKeelAllocatorHooks a = IKeelAllocatorHooks(allocator);
            uint256 before = _totalBefore;
            a.pullForWithdraw(assets - held);
            held = idle();
            uint256 afterPull = held + a.totalAdapterAssets();
            if (afterPull < before) {
                uint256 loss = Math.min(before - afterPull, assets);
                payout = assets - loss;
                emit WithdrawalLoss(owner, assets, loss);
            }
            if (held < payout) revert InsufficientLiquidity(payout, held);
        }
        if (caller != owner) _spendAllowance(owner, caller, shares);
        _burn(owner, shares);
        IERC20(asset()).safeTransfer(receiver, payout);
        emit Withdraw(caller, receiver, owner, payout, shares);
    }

    function _requireOpen() private view {
        if (_shutdown) revert VaultShutdown();
        if (_paused) revert VaultPaused();
    }

    // ---------------------------------------------------------------- kill-switch

    /// @notice Stops deposits and rebalances; guardian or manager. Idempotent.
    function pause() external {
        if (!hasRole(GUARDIAN_ROLE, msg.sender) && !hasRole(MANAGER_ROLE, msg.sender)) {
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

    function setDepositCap(uint256 cap) external onlyRole(MANAGER_ROLE) {
        depositCap = cap;
        emit DepositCapSet(cap);
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
