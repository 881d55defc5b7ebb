// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {AggregatorV3Interface} from "../interfaces/AggregatorV3Interface.sol";
import {INonfungiblePositionManager as INPM, IUniswapV3Pool} from "../interfaces/external/IUniswapV3.sol";
import {IKeelAllocatorHooks, IKeelVault} from "../interfaces/IKeelVault.sol";
import {UniswapV3Priced} from "./UniswapV3Priced.sol";
import {UniV3Math} from "./lib/UniV3Math.sol";

interface IKeelReport {
    function report(address adapter) external returns (uint256);
}

/// @title UniswapV3LpAdapter
/// @notice One Uniswap v3 position (a NonfungiblePositionManager NFT) from the base asset alone.
/// - Valuation: the position's token amounts at the oracle's sqrtPrice (never the pool's spot) plus what the position
///   manager owes and loose tokens; for the books (`checkedAssets`) only with fresh, positive answers.
/// - Deposit (allocator): feeds fresh, spot within the allocator's `maxDeviationBps`, the oracle price inside the
///   range; swaps base to the range's ratio at the oracle with an oracle min-out, adds liquidity; the deposit's value
///   at the oracle may fall short of what came in by at most `slippageBps`.
/// - Withdraw (allocator): removes liquidity for the request plus a margin, swaps the other token back with an
///   oracle min-out, sends ≥ the request or reverts.
/// - Re-range (keeper or manager, not a vault flow): width within [minWidthTicks, maxWidthTicks], aligned to the
///   pool's tick spacing, centred within `maxCentreOffsetBps` of the oracle price, at most once per
///   `minRerangeInterval`, spot within the deviation bound, and costing at most `maxRerangeLossBps` of the value;
///   the result is booked at once (`report`).
/// - Emergency (allocator): removes all liquidity with no price; swaps the other token back only under fresh feeds
///   and then never past the oracle price less `slippageBps` (a partial fill leaves the rest here, valued).
contract UniswapV3LpAdapter is UniswapV3Priced {
    using SafeERC20 for IERC20;

    /// @notice The keeper's on-chain limits on the position's range.
    struct RangeBounds {
        int24 minWidthTicks;
        int24 maxWidthTicks;
        uint256 maxCentreOffsetBps;
        uint256 minRerangeInterval;
        uint256 maxRerangeLossBps;
    }

    bytes32 private constant KEEPER_ROLE = keccak256("KEEPER_ROLE");
    bytes32 private constant MANAGER_ROLE = keccak256("MANAGER_ROLE");
    /// @dev Loose other-token value (base units) below which it is not worth a swap.
    uint256 private constant SWAP_DUST = 100;
    /// @dev Margin over the pool fee for sizing liquidity removals and the exit-cost bound.
    uint256 private constant MARGIN_BPS = 10;

    int24 public immutable minWidthTicks;
    int24 public immutable maxWidthTicks;
    uint256 public immutable maxCentreOffsetBps;
    uint256 public immutable minRerangeInterval;
    uint256 public immutable maxRerangeLossBps;

    /// @notice The position's NFT id (0 before the first mint or after a re-range of an empty position).
    uint256 public tokenId;
    int24 public tickLower;
    int24 public tickUpper;
    uint256 public lastRerangeAt;

    error InvalidRangeBounds();
    error RangeNotAligned(int24 tickLower, int24 tickUpper, int24 spacing);
    error RangeWidthOutOfBounds(int24 width, int24 minWidth, int24 maxWidth);
    error RangeOffCentre(uint256 offsetBps, uint256 maxOffsetBps);
    error RerangeTooSoon(uint256 nextAllowedAt);
    error RerangeLossTooHigh(uint256 loss, uint256 limit);
    error OracleOutOfRange(uint160 sqrtOracle, int24 tickLower, int24 tickUpper);
    error NotKeeper(address caller);
    error VaultPaused();

    event LiquidityAdded(uint256 baseIn, uint128 liquidity);
    event LiquidityRemoved(uint128 liquidity, uint256 baseOut);
    event Reranged(int24 tickLower, int24 tickUpper, uint256 valueBefore, uint256 valueAfter);

    constructor(
        address allocator_,
        INPM positionManager_,
        IUniswapV3Pool pool_,
        AggregatorV3Interface baseFeed_,
        AggregatorV3Interface otherFeed_,
        uint256 maxOracleAge_,
        uint256 slippageBps_,
        RangeBounds memory bounds_,
        int24 tickLower_,
        int24 tickUpper_
    ) UniswapV3Priced(allocator_, positionManager_, pool_, baseFeed_, otherFeed_, maxOracleAge_, slippageBps_) {
        if (
            bounds_.minWidthTicks <= 0 || bounds_.maxWidthTicks < bounds_.minWidthTicks
                || bounds_.maxCentreOffsetBps > BPS || bounds_.maxRerangeLossBps > MAX_SLIPPAGE_BPS
        ) revert InvalidRangeBounds();
        minWidthTicks = bounds_.minWidthTicks;
        maxWidthTicks = bounds_.maxWidthTicks;
        maxCentreOffsetBps = bounds_.maxCentreOffsetBps;
        minRerangeInterval = bounds_.minRerangeInterval;
        maxRerangeLossBps = bounds_.maxRerangeLossBps;
        _checkShape(tickLower_, tickUpper_);
        (tickLower, tickUpper) = (tickLower_, tickUpper_);
        _asset.forceApprove(address(positionManager_), type(uint256).max);
        _other.forceApprove(address(positionManager_), type(uint256).max);
    }

    function target() external view returns (address) {
        return address(pool);
    }

    function kind() external pure returns (string memory) {
        return "lp";
    }

    // ---------------------------------------------------------------- valuation

    /// @notice Best-effort value at the oracle price, for display: only the loose base balance without a positive
    /// answer from both feeds (never reverts).
    function totalAssets() public view returns (uint256) {
        (bool ok, uint256 pBase, uint256 pOther) = _prices(false);
        return ok ? _valueAt(_oracleSqrtPrice(pBase, pOther), pBase, pOther) : _asset.balanceOf(address(this));
    }

    /// @notice The value for the books, priced only by fresh positive answers (`StaleOracle` / `InvalidOracleAnswer`).
    function checkedAssets() external view returns (uint256) {
        uint256 pBase = _feed(baseFeed);
        uint256 pOther = _feed(otherFeed);
        return _valueAt(_oracleSqrtPrice(pBase, pOther), pBase, pOther);
    }

    /// @notice A withdrawal's cost bound: the swap-back's min-out (`slippageBps`) plus the pool fee and a margin.
    function exitCostBps() public view returns (uint256) {
        return slippageBps + _fee / 100 + MARGIN_BPS;
    }

    /// @notice What a withdrawal can deliver: the position at the oracle less its exit-cost margin, plus the loose
    /// base; only the loose base while the feeds are stale or spot is beyond the deviation bound. The swap-back's
    /// price impact is not modelled: a withdrawal too large for the pool reverts `SlippageTooHigh` rather than
    /// delivering less.
    function maxWithdraw() external view returns (uint256) {
        uint256 loose = _asset.balanceOf(address(this));
        (bool ok, uint256 pBase, uint256 pOther) = _prices(true);
        if (!ok) return loose;
        uint160 sqrtO = _oracleSqrtPrice(pBase, pOther);
        if (_spotDeviation(sqrtO) > _maxDeviation()) return loose;
        uint256 rest = _valueAt(sqrtO, pBase, pOther) - loose;
        return loose + Math.mulDiv(rest, BPS, BPS + exitCostBps());
    }

    /// @notice The position's liquidity.
    function liquidity() public view returns (uint128 l) {
        if (tokenId != 0) (,,,,,,, l,,,,) = positionManager.positions(tokenId);
    }

    function _valueAt(uint160 sqrtO, uint256 pBase, uint256 pOther) private view returns (uint256) {
        uint256 base = _asset.balanceOf(address(this));
        uint256 other = _other.balanceOf(address(this));
        if (tokenId != 0) {
            (,,,,,,, uint128 l,,, uint128 owed0, uint128 owed1) = positionManager.positions(tokenId);
            (uint256 a0, uint256 a1) = _amountsAt(sqrtO, tickLower, tickUpper, l);
            (uint256 b, uint256 o) = _split(a0 + owed0, a1 + owed1);
            base += b;
            other += o;
        }
        return base + _otherToBase(other, pBase, pOther);
    }

    // ---------------------------------------------------------------- vault moves

    function deposit(uint256 assets) external onlyAllocator {
        (uint256 pBase, uint256 pOther, uint160 sqrtO) = _checkedPrices();
        if (sqrtO < UniV3Math.sqrtRatioAtTick(tickLower) || sqrtO >= UniV3Math.sqrtRatioAtTick(tickUpper)) {
            revert OracleOutOfRange(sqrtO, tickLower, tickUpper);
        }
        uint256 before = _valueAt(sqrtO, pBase, pOther) - assets;
        _swapToRange(sqrtO, pBase, pOther);
        uint128 added = _addLiquidity();
        uint256 gained = _valueAt(sqrtO, pBase, pOther) - before;
        uint256 minGained = Math.mulDiv(assets, BPS - slippageBps, BPS);
        if (gained < minGained) revert SlippageTooHigh(gained, minGained);
        emit LiquidityAdded(assets, added);
    }

    function withdraw(uint256 assets) external onlyAllocator returns (uint256 sent) {
        (uint256 pBase, uint256 pOther, uint160 sqrtO) = _checkedPrices();
        uint256 loose = _asset.balanceOf(address(this));
        uint128 l = liquidity();
        if (assets > loose && l != 0) {
            (uint256 a0, uint256 a1) = _amountsAt(sqrtO, tickLower, tickUpper, l);
            (uint256 b, uint256 o) = _split(a0, a1);
            uint256 posValue = b + _otherToBase(o, pBase, pOther);
            uint256 want = Math.mulDiv(assets - loose, BPS + exitCostBps(), BPS);
            uint128 cut = uint128(Math.min(l, Math.mulDiv(l, want, posValue, Math.Rounding.Ceil)));
            _removeLiquidity(cut);
            _swapOtherBack(pBase, pOther);
            emit LiquidityRemoved(cut, _asset.balanceOf(address(this)) - loose);
        }
        sent = _sweepToVault();
        if (sent < assets) revert InsufficientLiquidity(assets, sent);
    }

    function emergencyWithdraw() external onlyAllocator returns (uint256) {
        uint128 l = liquidity();
        if (l != 0) _removeLiquidity(l);
        uint256 otherBal = _other.balanceOf(address(this));
        (bool ok, uint256 pBase, uint256 pOther) = _prices(true);
        if (otherBal != 0 && ok) _swapOtherBackBounded(otherBal, _oracleSqrtPrice(pBase, pOther));
        return _sweepToVault();
    }

    // ---------------------------------------------------------------- keeper move

    /// @notice Moves the whole position to [tickLower_, tickUpper_) within the range bounds (see the contract notes).
    function rerange(int24 tickLower_, int24 tickUpper_) external {
        IKeelAllocatorHooks a = IKeelAllocatorHooks(allocator);
        if (!a.hasRole(KEEPER_ROLE, msg.sender) && !a.hasRole(MANAGER_ROLE, msg.sender)) revert NotKeeper(msg.sender);
        if (IKeelVault(vault).paused() || IKeelVault(vault).isShutdown()) revert VaultPaused();
        if (block.timestamp < lastRerangeAt + minRerangeInterval) {
            revert RerangeTooSoon(lastRerangeAt + minRerangeInterval);
        }
        _checkShape(tickLower_, tickUpper_);
        (uint256 pBase, uint256 pOther, uint160 sqrtO) = _checkedPrices();
        uint256 offset = _priceDeviationBps(UniV3Math.sqrtRatioAtTick((tickLower_ + tickUpper_) / 2), sqrtO);
        if (offset > maxCentreOffsetBps) revert RangeOffCentre(offset, maxCentreOffsetBps);
        uint256 before = _exitPosition(sqrtO, pBase, pOther);
        (tickLower, tickUpper) = (tickLower_, tickUpper_);
        lastRerangeAt = block.timestamp;
        if (before != 0) {
            _swapToRange(sqrtO, pBase, pOther);
            _addLiquidity();
        }
        uint256 afterValue = _valueAt(sqrtO, pBase, pOther);
        uint256 limit = Math.mulDiv(before, maxRerangeLossBps, BPS);
        if (afterValue + limit < before) revert RerangeLossTooHigh(before - afterValue, limit);
        emit Reranged(tickLower_, tickUpper_, before, afterValue);
        IKeelReport(allocator).report(address(this));
    }

    // ---------------------------------------------------------------- internals

    function _checkShape(int24 lower, int24 upper) private view {
        if (lower % _spacing != 0 || upper % _spacing != 0 || lower >= upper) {
            revert RangeNotAligned(lower, upper, _spacing);
        }
        int24 width = upper - lower;
        if (width < minWidthTicks || width > maxWidthTicks) {
            revert RangeWidthOutOfBounds(width, minWidthTicks, maxWidthTicks);
        }
    }

    /// @dev Swaps loose tokens so their oracle values match the range's composition at the oracle price.
    function _swapToRange(uint160 sqrtO, uint256 pBase, uint256 pOther) private {
        (uint256 a0, uint256 a1) = _amountsAt(sqrtO, tickLower, tickUpper, 1e24);
        (uint256 unitBase, uint256 unitOther) = _split(a0, a1);
        uint256 unitOtherV = _otherToBase(unitOther, pBase, pOther);
        uint256 otherV = _otherToBase(_other.balanceOf(address(this)), pBase, pOther);
        uint256 total = _asset.balanceOf(address(this)) + otherV;
        uint256 wantOtherV = Math.mulDiv(total, unitOtherV, unitBase + unitOtherV);
        if (wantOtherV > otherV + SWAP_DUST) {
            _swapChecked(true, wantOtherV - otherV, pBase, pOther);
        } else if (otherV > wantOtherV + SWAP_DUST) {
            _swapChecked(false, _baseToOther(otherV - wantOtherV, pBase, pOther), pBase, pOther);
        }
    }

    function _swapOtherBack(uint256 pBase, uint256 pOther) private {
        uint256 otherBal = _other.balanceOf(address(this));
        if (_otherToBase(otherBal, pBase, pOther) > SWAP_DUST) _swapChecked(false, otherBal, pBase, pOther);
    }

    /// @dev Adds every loose token to the position (minting it on first use); minimums are checked on value instead.
    function _addLiquidity() private returns (uint128 added) {
        (uint256 d0, uint256 d1) = _baseIsToken0
            ? (_asset.balanceOf(address(this)), _other.balanceOf(address(this)))
            : (_other.balanceOf(address(this)), _asset.balanceOf(address(this)));
        if (tokenId == 0) {
            (address t0, address t1) = _baseIsToken0 ? (address(_asset), address(_other)) : (address(_other), address(_asset));
            (tokenId, added,,) = positionManager.mint(
                INPM.MintParams(t0, t1, _fee, tickLower, tickUpper, d0, d1, 0, 0, address(this), block.timestamp)
            );
        } else {
            (added,,) = positionManager.increaseLiquidity(
                INPM.IncreaseLiquidityParams(tokenId, d0, d1, 0, 0, block.timestamp)
            );
        }
    }

    /// @dev Removes `l` liquidity with no price (spot or oracle) and collects it with every fee owed; returns the
    /// principal and what was collected (principal + fees), as (amount0, amount1) each.
    function _removeLiquidity(uint128 l) private returns (uint256 p0, uint256 p1, uint256 c0, uint256 c1) {
        (p0, p1) = positionManager.decreaseLiquidity(INPM.DecreaseLiquidityParams(tokenId, l, 0, 0, block.timestamp));
        (c0, c1) =
            positionManager.collect(INPM.CollectParams(tokenId, address(this), type(uint128).max, type(uint128).max));
    }

    /// @dev Closes the position (liquidity removed, fees collected, NFT burnt); returns what it was worth at the
    /// oracle just before — its liquidity at the oracle price, the fees it had earned, and the loose tokens.
    function _exitPosition(uint160 sqrtO, uint256 pBase, uint256 pOther) private returns (uint256 value) {
        value = _valueOf(_asset.balanceOf(address(this)), _other.balanceOf(address(this)), pBase, pOther);
        if (tokenId == 0) return value;
        uint128 l = liquidity();
        if (l != 0) {
            (uint256 a0, uint256 a1) = _amountsAt(sqrtO, tickLower, tickUpper, l);
            value += _valueOf2(a0, a1, pBase, pOther);
            (uint256 p0, uint256 p1, uint256 c0, uint256 c1) = _removeLiquidity(l);
            value += _valueOf2(c0 - p0, c1 - p1, pBase, pOther);
        }
        positionManager.burn(tokenId);
        tokenId = 0;
    }
}
