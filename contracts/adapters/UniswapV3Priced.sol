// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {AggregatorV3Interface} from "../interfaces/AggregatorV3Interface.sol";
import {INonfungiblePositionManager, IUniswapV3Pool} from "../interfaces/external/IUniswapV3.sol";
import {IKeelPricedAdapter} from "../interfaces/IKeelAdapter.sol";
import {KeelAdapterBase} from "./KeelAdapterBase.sol";
import {UniV3Math} from "./lib/UniV3Math.sol";

interface IKeelDeviationBoundV3 {
    function maxDeviationBps() external view returns (uint256);
}

/// @title UniswapV3Priced
/// @notice What the Uniswap v3 adapter knows about prices: the pool's tokens, two Chainlink-style USD feeds, the
/// oracle's sqrtPriceX96 (the price the position is valued at — never the pool's spot), how far spot is from it,
/// and swaps straight on the pool bounded by the oracle.
abstract contract UniswapV3Priced is KeelAdapterBase, IKeelPricedAdapter {
    using SafeERC20 for IERC20;

    uint256 internal constant BPS = 10_000;
    /// @notice Largest accepted `slippageBps` (10 %).
    uint256 public constant MAX_SLIPPAGE_BPS = 1_000;
    /// @notice Largest accepted `maxOracleAge` (7 days).
    uint256 public constant MAX_ORACLE_AGE = 7 days;
    uint160 private constant MIN_SQRT_LIMIT = 4295128740;
    uint160 private constant MAX_SQRT_LIMIT = 1461446703485210103287273052203988822378723970341;

    IUniswapV3Pool public immutable pool;
    INonfungiblePositionManager public immutable positionManager;
    IERC20 internal immutable _other;
    bool internal immutable _baseIsToken0;
    uint24 internal immutable _fee;
    int24 internal immutable _spacing;
    AggregatorV3Interface public immutable baseFeed;
    AggregatorV3Interface public immutable otherFeed;
    /// @notice Feeds older than this (seconds) are stale: moves stop.
    uint256 public immutable maxOracleAge;
    /// @notice Max shortfall of a swap's output, a deposit's or a re-range's value against the oracle, in bps.
    uint256 public immutable slippageBps;
    // value_in_base = amount_other * pOther * _num / (pBase * _den), with feed answers in their own decimals.
    uint256 private immutable _num;
    uint256 private immutable _den;

    error PoolMismatch(address pool);
    error InvalidSlippage(uint256 slippageBps);
    error InvalidOracleAge(uint256 maxOracleAge);
    error StaleOracle(address feed, uint256 updatedAt);
    error InvalidOracleAnswer(address feed, int256 answer);
    error SpotDeviationTooHigh(uint256 deviationBps, uint256 maxDeviationBps);
    error SlippageTooHigh(uint256 amountOut, uint256 minAmountOut);
    error NotPool(address caller);

    constructor(
        address allocator_,
        INonfungiblePositionManager positionManager_,
        IUniswapV3Pool pool_,
        AggregatorV3Interface baseFeed_,
        AggregatorV3Interface otherFeed_,
        uint256 maxOracleAge_,
        uint256 slippageBps_
    ) KeelAdapterBase(allocator_) {
        if (slippageBps_ == 0 || slippageBps_ > MAX_SLIPPAGE_BPS) revert InvalidSlippage(slippageBps_);
        if (maxOracleAge_ == 0 || maxOracleAge_ > MAX_ORACLE_AGE) revert InvalidOracleAge(maxOracleAge_);
        address t0 = pool_.token0();
        address t1 = pool_.token1();
        if (t0 != address(_asset) && t1 != address(_asset)) revert PoolMismatch(address(pool_));
        pool = pool_;
        positionManager = positionManager_;
        _baseIsToken0 = t0 == address(_asset);
        _other = IERC20(_baseIsToken0 ? t1 : t0);
        _fee = pool_.fee();
        _spacing = pool_.tickSpacing();
        baseFeed = baseFeed_;
        otherFeed = otherFeed_;
        maxOracleAge = maxOracleAge_;
        slippageBps = slippageBps_;
        _num = 10 ** (18 - otherFeed_.decimals()) * 10 ** IERC20Metadata(address(_asset)).decimals();
        _den = 10 ** (18 - baseFeed_.decimals()) * 10 ** IERC20Metadata(address(_other)).decimals();
    }

    /// @notice The pool's other token.
    function otherToken() external view returns (address) {
        return address(_other);
    }

    /// @notice |spot − oracle| / oracle of the other token's price in base, in bps (max when a feed is invalid).
    function spotDeviationBps() public view returns (uint256) {
        (bool ok, uint256 pBase, uint256 pOther) = _prices(false);
        if (!ok) return type(uint256).max;
        return _spotDeviation(_oracleSqrtPrice(pBase, pOther));
    }

    /// @notice The oracle's price as a Uniswap v3 sqrtPriceX96 (token1 per token0); 0 when a feed is invalid.
    function oracleSqrtPriceX96() external view returns (uint160) {
        (bool ok, uint256 pBase, uint256 pOther) = _prices(false);
        return ok ? _oracleSqrtPrice(pBase, pOther) : 0;
    }

    function _spotDeviation(uint160 sqrtOracle) internal view returns (uint256) {
        (uint160 sqrtSpot,,,,,,) = pool.slot0();
        // The other token's price in base is token0/token1 when base is token0, token1/token0 otherwise.
        return _baseIsToken0 ? _priceDeviationBps(sqrtOracle, sqrtSpot) : _priceDeviationBps(sqrtSpot, sqrtOracle);
    }

    /// @dev |a² / b² − 1| in bps, for sqrt prices a and b.
    function _priceDeviationBps(uint256 sqrtA, uint256 sqrtB) internal pure returns (uint256) {
        uint256 x = Math.mulDiv(sqrtA, sqrtA, sqrtB);
        uint256 diff = x > sqrtB ? x - sqrtB : sqrtB - x;
        return Math.mulDiv(diff, BPS, sqrtB);
    }

    /// @dev sqrt(token1 per token0 in raw units) · 2^96 at the oracle's prices.
    function _oracleSqrtPrice(uint256 pBase, uint256 pOther) internal view returns (uint160) {
        // Base per other (raw) = pOther·_num / (pBase·_den).
        uint256 ratioX192 = _baseIsToken0
            ? Math.mulDiv(pBase * _den, 1 << 192, pOther * _num)
            : Math.mulDiv(pOther * _num, 1 << 192, pBase * _den);
        return uint160(Math.sqrt(ratioX192));
    }

    function _otherToBase(uint256 amount, uint256 pBase, uint256 pOther) internal view returns (uint256) {
        return Math.mulDiv(amount, pOther * _num, pBase * _den);
    }

    function _baseToOther(uint256 amount, uint256 pBase, uint256 pOther) internal view returns (uint256) {
        return Math.mulDiv(amount, pBase * _den, pOther * _num);
    }

    /// @dev (amount0, amount1) as (base, other).
    function _split(uint256 amount0, uint256 amount1) internal view returns (uint256 base, uint256 other) {
        (base, other) = _baseIsToken0 ? (amount0, amount1) : (amount1, amount0);
    }

    /// @dev Token amounts of `liquidity` in [tickLower, tickUpper) at sqrtP, as (base, other).
    function _amountsAt(uint160 sqrtP, int24 tickLower, int24 tickUpper, uint128 liquidity)
        internal
        pure
        returns (uint256 amount0, uint256 amount1)
    {
        return UniV3Math.amountsForLiquidity(
            sqrtP, UniV3Math.sqrtRatioAtTick(tickLower), UniV3Math.sqrtRatioAtTick(tickUpper), liquidity
        );
    }

    /// @dev Both prices as positive integers (feed units); `fresh` also requires updatedAt within maxOracleAge. A feed
    /// that reverts counts as no price (views must not revert on it).
    function _prices(bool fresh) internal view returns (bool ok, uint256 pBase, uint256 pOther) {
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
    function _checkedPrices() internal view returns (uint256 pBase, uint256 pOther, uint160 sqrtOracle) {
        pBase = _feed(baseFeed);
        pOther = _feed(otherFeed);
        sqrtOracle = _oracleSqrtPrice(pBase, pOther);
        uint256 dev = _spotDeviation(sqrtOracle);
        uint256 maxDev = _maxDeviation();
        if (dev > maxDev) revert SpotDeviationTooHigh(dev, maxDev);
    }

    function _maxDeviation() internal view returns (uint256) {
        return IKeelDeviationBoundV3(allocator).maxDeviationBps();
    }

    function _feed(AggregatorV3Interface feed) internal view returns (uint256) {
        (, int256 answer,, uint256 updatedAt,) = feed.latestRoundData();
        if (answer <= 0) revert InvalidOracleAnswer(address(feed), answer);
        if (block.timestamp > updatedAt + maxOracleAge) revert StaleOracle(address(feed), updatedAt);
        return uint256(answer);
    }

    // ---------------------------------------------------------------- swaps

    /// @notice Pays what a swap this adapter started owes the pool.
    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata) external {
        if (msg.sender != address(pool)) revert NotPool(msg.sender);
        (IERC20 t0, IERC20 t1) = _baseIsToken0 ? (_asset, _other) : (_other, _asset);
        if (amount0Delta > 0) t0.safeTransfer(msg.sender, uint256(amount0Delta));
        if (amount1Delta > 0) t1.safeTransfer(msg.sender, uint256(amount1Delta));
    }

    /// @dev Exact-input swap; reverts `SlippageTooHigh` when the output is short of its oracle value by > slippageBps.
    function _swapChecked(bool baseIn, uint256 amountIn, uint256 pBase, uint256 pOther) internal {
        uint256 out = _swap(baseIn, amountIn, 0);
        uint256 fair = baseIn ? _baseToOther(amountIn, pBase, pOther) : _otherToBase(amountIn, pBase, pOther);
        uint256 minOut = Math.mulDiv(fair, BPS - slippageBps, BPS);
        if (out < minOut || out == 0) revert SlippageTooHigh(out, minOut);
    }

    /// @dev Sells the other token no further than the oracle price less slippageBps (partial fills stay here).
    function _swapOtherBackBounded(uint256 amountIn, uint160 sqrtO) internal {
        bool zeroForOne = !_baseIsToken0;
        // The other token's price in base falls as it is sold: sqrt price × sqrt(1 − s) or ÷ it.
        uint256 root = Math.sqrt((BPS - slippageBps) * 1e36 / BPS);
        uint160 limit = uint160(zeroForOne ? Math.mulDiv(sqrtO, root, 1e18) : Math.mulDiv(sqrtO, 1e18, root));
        (uint160 spot,,,,,,) = pool.slot0();
        if (zeroForOne ? spot > limit : spot < limit) _swap(false, amountIn, limit);
    }

    /// @dev Exact-input swap straight on the pool, paid in the callback; returns the output.
    function _swap(bool baseIn, uint256 amountIn, uint160 limit) internal returns (uint256) {
        bool zeroForOne = baseIn == _baseIsToken0;
        if (limit == 0) limit = zeroForOne ? MIN_SQRT_LIMIT : MAX_SQRT_LIMIT;
        (int256 d0, int256 d1) = pool.swap(address(this), zeroForOne, int256(amountIn), limit, "");
        return uint256(-(zeroForOne ? d1 : d0));
    }

    /// @dev Oracle value of (base, other) amounts.
    function _valueOf(uint256 base, uint256 other, uint256 pBase, uint256 pOther) internal view returns (uint256) {
        return base + _otherToBase(other, pBase, pOther);
    }

    /// @dev Oracle value of (token0, token1) amounts.
    function _valueOf2(uint256 a0, uint256 a1, uint256 pBase, uint256 pOther) internal view returns (uint256) {
        (uint256 b, uint256 o) = _split(a0, a1);
        return _valueOf(b, o, pBase, pOther);
    }
}
