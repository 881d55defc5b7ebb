// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IKeelPricedAdapter} from "../interfaces/IKeelAdapter.sol";
import {IUniswapV2Pair} from "../interfaces/external/IUniswapV2Pair.sol";
import {AggregatorV3Interface} from "../interfaces/AggregatorV3Interface.sol";
import {KeelAdapterBase} from "./KeelAdapterBase.sol";

interface IKeelDeviationBound {
    function maxDeviationBps() external view returns (uint256);
}

/// @title UniswapV2LpAdapter
/// @notice Provides liquidity to a Uniswap v2 pair (base asset / other token) from the base asset alone.
/// - Valuation: LP tokens at oracle-fair reserves (2·sqrt(k·p_other/p_base)), never at spot; for the vault's books
///   (`checkedAssets`) only with fresh, positive answers.
/// - Deposit: refuses when spot deviates from the oracle beyond the allocator's `maxDeviationBps`, swaps the
///   optimal share of the base asset with a min-out from the oracle, then mints at the pool ratio.
/// - Withdraw: burns enough LP, swaps the other token back with a min-out from the oracle.
/// - Emergency: burns every LP token with no price; the other token is swapped back only when the oracle is
///   fresh and the swap meets its oracle min-out, otherwise it stays here (valued at the oracle) for a later try.
contract UniswapV2LpAdapter is KeelAdapterBase, IKeelPricedAdapter {
    using SafeERC20 for IERC20;

    uint256 private constant BPS = 10_000;
    /// @dev Uniswap v2 swap fee (0.3 %) plus a margin, used to size LP burns and report maxWithdraw.
    uint256 private constant FEE_MARGIN_BPS = 40;
    /// @notice Largest accepted `slippageBps` (10 %).
    uint256 public constant MAX_SLIPPAGE_BPS = 1_000;
    /// @notice Largest accepted `maxOracleAge` (7 days).
    uint256 public constant MAX_ORACLE_AGE = 7 days;

    IUniswapV2Pair private immutable _pair;
    IERC20 private immutable _other;
    bool private immutable _baseIsToken0;
    AggregatorV3Interface public immutable baseFeed;
    AggregatorV3Interface public immutable otherFeed;
    /// @notice Feeds older than this (seconds) are stale: deposits and withdrawals stop.
    uint256 public immutable maxOracleAge;
    /// @notice Max shortfall of a swap's output against its oracle value, in bps.
    uint256 public immutable slippageBps;
    // value_in_base = amount_other * pOther * _num / (pBase * _den), with feed answers in their own decimals.
    uint256 private immutable _num; // 10^(18 - otherFeed decimals) * 10^decimals(base)
    uint256 private immutable _den; // 10^(18 - baseFeed decimals) * 10^decimals(other)

    error PairMismatch(address pair);
    error InvalidSlippage(uint256 slippageBps);
    error InvalidOracleAge(uint256 maxOracleAge);
    error StaleOracle(address feed, uint256 updatedAt);
    error InvalidOracleAnswer(address feed, int256 answer);
    error SpotDeviationTooHigh(uint256 deviationBps, uint256 maxDeviationBps);
    error SlippageTooHigh(uint256 amountOut, uint256 minAmountOut);

    event LiquidityAdded(uint256 baseIn, uint256 swapped, uint256 liquidity);
    event LiquidityRemoved(uint256 liquidity, uint256 baseOut);

    constructor(
        address allocator_,
        IUniswapV2Pair pair_,
        AggregatorV3Interface baseFeed_,
        AggregatorV3Interface otherFeed_,
        uint256 maxOracleAge_,
        uint256 slippageBps_
    ) KeelAdapterBase(allocator_) {
        if (slippageBps_ == 0 || slippageBps_ > MAX_SLIPPAGE_BPS) revert InvalidSlippage(slippageBps_);
        if (maxOracleAge_ == 0 || maxOracleAge_ > MAX_ORACLE_AGE) revert InvalidOracleAge(maxOracleAge_);
        address t0 = pair_.token0();
        address t1 = pair_.token1();
        if (t0 != address(_asset) && t1 != address(_asset)) revert PairMismatch(address(pair_));
        _pair = pair_;
        _baseIsToken0 = t0 == address(_asset);
        _other = IERC20(_baseIsToken0 ? t1 : t0);
        baseFeed = baseFeed_;
        otherFeed = otherFeed_;
        maxOracleAge = maxOracleAge_;
        slippageBps = slippageBps_;
        _num = 10 ** (18 - otherFeed_.decimals()) * 10 ** IERC20Metadata(address(_asset)).decimals();
        _den = 10 ** (18 - baseFeed_.decimals()) * 10 ** IERC20Metadata(address(_other)).decimals();
    }

    function target() external view returns (address) {
        return address(_pair);
    }

    /// @notice The pair's other token.
    function otherToken() external view returns (address) {
        return address(_other);
    }

    function kind() external pure returns (string memory) {
        return "lp";
    }

    // ---------------------------------------------------------------- valuation

    /// @notice Best-effort oracle-fair value of the LP tokens plus loose tokens, in base units, for display: with a
    /// feed that answers ≤ 0 or reverts, only the loose base balance (never reverts).
    function totalAssets() public view returns (uint256) {
        (bool ok, uint256 pBase, uint256 pOther) = _prices(false);
        return ok ? _value(pBase, pOther) : _asset.balanceOf(address(this));
    }

    /// @notice The value for the vault's books: the same, priced only by fresh (≤ maxOracleAge) positive answers;
    /// reverts `StaleOracle` / `InvalidOracleAnswer` otherwise, and the allocator keeps the booked value.
    function checkedAssets() external view returns (uint256) {
        return _value(_feed(baseFeed), _feed(otherFeed));
    }

    /// @notice A withdrawal sells the other token back with a min-out `slippageBps` under the oracle and burns a
    /// margin for the swap fee: its cost stays under `slippageBps + FEE_MARGIN_BPS` of what it delivers.
    function exitCostBps() external view returns (uint256) {
        return slippageBps + FEE_MARGIN_BPS;
    }

    /// @notice What a withdrawal can deliver now without missing its oracle min-out, price impact included: burning
    /// a share x of the pool and selling its other side back passes when 997·r_b·(1−x) ≥ u·v_o·(1000 − 3x), where
    /// v_o is the other reserve at the oracle and u = 1 − slippage; withdraw() burns (1 + slippage + margin) times the
    /// request. Only the loose base balance while the feeds are stale or spot is beyond the deviation bound.
    function maxWithdraw() public view returns (uint256) {
        uint256 loose = _asset.balanceOf(address(this));
        (bool ok, uint256 pBase, uint256 pOther) = _prices(true);
        uint256 lp = _pair.balanceOf(address(this));
        if (!ok || lp == 0 || spotDeviationBps() > IKeelDeviationBound(allocator).maxDeviationBps()) return loose;
        (uint256 rBase, uint256 rOther) = _reserves();
        uint256 vOther = _otherToBase(rOther, pBase, pOther);
        uint256 u = BPS - slippageBps;
        uint256 num = 997 * rBase * BPS;
        uint256 floor = 1000 * u * vOther;
        if (num <= floor) return loose;
        uint256 supply = _pair.totalSupply();
        // LP tokens whose burn and swap-back pass, less the other token already loose here, with 0.1 % to spare.
        uint256 burnable = Math.mulDiv(supply, (num - floor) * 999, (num - 3 * u * vOther) * 1000);
        uint256 otherLoose = Math.mulDiv(_other.balanceOf(address(this)), supply, rOther, Math.Rounding.Ceil);
        burnable = burnable > otherLoose ? Math.min(lp, burnable - otherLoose) : 0;
        uint256 fair = Math.mulDiv(2 * Math.sqrt(rBase * vOther), burnable, supply);
        return loose + Math.mulDiv(fair, BPS, BPS + slippageBps + FEE_MARGIN_BPS);
    }

    function _value(uint256 pBase, uint256 pOther) private view returns (uint256 value) {
        value = _asset.balanceOf(address(this));
        uint256 otherLoose = _other.balanceOf(address(this));
        if (otherLoose != 0) value += _otherToBase(otherLoose, pBase, pOther);
        uint256 lp = _pair.balanceOf(address(this));
        if (lp == 0) return value;
        (uint256 rBase, uint256 rOther) = _reserves();
        uint256 fairPool = 2 * Math.sqrt(rBase * _otherToBase(rOther, pBase, pOther));
        return value + Math.mulDiv(fairPool, lp, _pair.totalSupply());
    }

    /// @notice |spot − oracle| / oracle of the other token's price in base, in bps (max when a feed is invalid).
    function spotDeviationBps() public view returns (uint256) {
        (bool ok, uint256 pBase, uint256 pOther) = _prices(false);
        if (!ok) return type(uint256).max;
        (uint256 rBase, uint256 rOther) = _reserves();
        if (rOther == 0) return type(uint256).max;
        uint256 oracleValue = _otherToBase(rOther, pBase, pOther);
        if (oracleValue == 0) return type(uint256).max;
        uint256 diff = rBase > oracleValue ? rBase - oracleValue : oracleValue - rBase;
        return Math.mulDiv(diff, BPS, oracleValue);
    }

    // ---------------------------------------------------------------- moves

    function deposit(uint256 assets) external onlyAllocator {
        (uint256 pBase, uint256 pOther) = _checkedPrices();
        (uint256 rBase, uint256 rOther) = _reserves();
        // Optimal single-sided swap for a 0.3 % fee pool (Zapper / Alpha Homora formula).
        uint256 s = (Math.sqrt(rBase * (3_988_009 * rBase + 3_988_000 * assets)) - 1997 * rBase) / 1994;
        uint256 out = _swapBaseForOther(s, rBase, rOther, pBase, pOther);
        rBase += s;
        rOther -= out;
        uint256 baseIn = assets - s;
        uint256 otherIn = Math.mulDiv(baseIn, rOther, rBase);
        if (otherIn > out) {
            otherIn = out;
            baseIn = Math.mulDiv(out, rBase, rOther);
        }
        _asset.safeTransfer(address(_pair), baseIn);
        _other.safeTransfer(address(_pair), otherIn);
        uint256 liquidity = _pair.mint(address(this));
        emit LiquidityAdded(assets, s, liquidity);
    }

    function withdraw(uint256 assets) external onlyAllocator returns (uint256 sent) {
        (uint256 pBase, uint256 pOther) = _checkedPrices();
        uint256 lp = _pair.balanceOf(address(this));
        uint256 loose = _asset.balanceOf(address(this));
        if (assets > loose && lp != 0) {
            (uint256 rBase, uint256 rOther) = _reserves();
            uint256 fairPool = 2 * Math.sqrt(rBase * _otherToBase(rOther, pBase, pOther));
            uint256 want = Math.mulDiv(assets - loose, BPS + slippageBps + FEE_MARGIN_BPS, BPS);
            uint256 supply = _pair.totalSupply();
            // At least one unit of each token out (the pair refuses a burn that returns nothing of one side).
            uint256 minBurn = Math.ceilDiv(supply, Math.min(rBase, rOther));
            uint256 burn = Math.min(lp, Math.max(minBurn, Math.mulDiv(want, supply, fairPool, Math.Rounding.Ceil)));
            _burn(burn);
            uint256 otherBal = _other.balanceOf(address(this));
            if (otherBal != 0) {
                (rBase, rOther) = _reserves();
                _swapOtherForBase(otherBal, rBase, rOther, pBase, pOther);
            }
            emit LiquidityRemoved(burn, _asset.balanceOf(address(this)) - loose);
        }
        sent = _sweepToVault();
        if (sent < assets) revert InsufficientLiquidity(assets, sent);
    }

    function emergencyWithdraw() external onlyAllocator returns (uint256) {
        uint256 lp = _pair.balanceOf(address(this));
        if (lp != 0) _burn(lp);
        uint256 otherBal = _other.balanceOf(address(this));
        if (otherBal != 0) {
            (bool ok, uint256 pBase, uint256 pOther) = _prices(true);
            if (ok) {
                (uint256 rBase, uint256 rOther) = _reserves();
                uint256 out = _amountOut(otherBal, rOther, rBase);
                uint256 minOut = (_otherToBase(otherBal, pBase, pOther) * (BPS - slippageBps)) / BPS;
                if (out >= minOut && out != 0) _swapOtherForBase(otherBal, rBase, rOther, pBase, pOther);
            }
        }
        return _sweepToVault();
    }

    // ---------------------------------------------------------------- internals

    function _burn(uint256 liquidity) private {
        IERC20(address(_pair)).safeTransfer(address(_pair), liquidity);
        _pair.burn(address(this));
    }

    function _swapBaseForOther(uint256 amountIn, uint256 rBase, uint256 rOther, uint256 pBase, uint256 pOther)
        private
        returns (uint256 out)
    {
        out = _amountOut(amountIn, rBase, rOther);
        uint256 fair = Math.mulDiv(amountIn, pBase * _den, pOther * _num);
        uint256 minOut = (fair * (BPS - slippageBps)) / BPS;
        if (out < minOut || out == 0) revert SlippageTooHigh(out, minOut);
        _asset.safeTransfer(address(_pair), amountIn);
        (uint256 o0, uint256 o1) = _baseIsToken0 ? (uint256(0), out) : (out, uint256(0));
        _pair.swap(o0, o1, address(this), "");
    }

    function _swapOtherForBase(uint256 amountIn, uint256 rBase, uint256 rOther, uint256 pBase, uint256 pOther)
        private
        returns (uint256 out)
    {
        out = _amountOut(amountIn, rOther, rBase);
        uint256 minOut = (_otherToBase(amountIn, pBase, pOther) * (BPS - slippageBps)) / BPS;
        if (out < minOut || out == 0) revert SlippageTooHigh(out, minOut);
        _other.safeTransfer(address(_pair), amountIn);
        (uint256 o0, uint256 o1) = _baseIsToken0 ? (out, uint256(0)) : (uint256(0), out);
        _pair.swap(o0, o1, address(this), "");
    }

    function _amountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut) private pure returns (uint256) {
        uint256 inWithFee = amountIn * 997;
        return (inWithFee * reserveOut) / (reserveIn * 1000 + inWithFee);
    }

    function _otherToBase(uint256 amount, uint256 pBase, uint256 pOther) private view returns (uint256) {
        return Math.mulDiv(amount, pOther * _num, pBase * _den);
    }

    function _reserves() private view returns (uint256 rBase, uint256 rOther) {
        (uint112 r0, uint112 r1,) = _pair.getReserves();
        (rBase, rOther) = _baseIsToken0 ? (uint256(r0), uint256(r1)) : (uint256(r1), uint256(r0));
    }

    /// @dev Both prices as positive integers (feed units); `fresh` also requires updatedAt within maxOracleAge. A feed
    /// that reverts counts as no price (views must not revert on it).
    function _prices(bool fresh) private view returns (bool ok, uint256 pBase, uint256 pOther) {
        (bool okA, int256 a, uint256 ua) = _read(baseFeed);
        (bool okB, int256 b, uint256 ub) = _read(otherFeed);
        if (!okA || !okB || a <= 0 || b <= 0) return (false, 0, 0);
        if (fresh && (block.timestamp > ua + maxOracleAge || block.timestamp > ub + maxOracleAge)) return (false, 0, 0);
        return (true, uint256(a), uint256(b));
    }

    function _read(AggregatorV3Interface feed) private view returns (bool, int256, uint256) {
        try feed.latestRoundData() returns (uint80, int256 answer, uint256, uint256 updatedAt, uint80) {
            return (true, answer, updatedAt);
        } catch {
            return (false, 0, 0);
        }
    }

    /// @dev Prices for a move: fresh, positive, and spot within the allocator's deviation bound.
    function _checkedPrices() private view returns (uint256 pBase, uint256 pOther) {
        pBase = _feed(baseFeed);
        pOther = _feed(otherFeed);
        uint256 dev = spotDeviationBps();
        uint256 maxDev = IKeelDeviationBound(allocator).maxDeviationBps();
        if (dev > maxDev) revert SpotDeviationTooHigh(dev, maxDev);
    }

    function _feed(AggregatorV3Interface feed) private view returns (uint256) {
        (, int256 answer,, uint256 updatedAt,) = feed.latestRoundData();
        if (answer <= 0) revert InvalidOracleAnswer(address(feed), answer);
        if (block.timestamp > updatedAt + maxOracleAge) revert StaleOracle(address(feed), updatedAt);
        return uint256(answer);
    }
}
