// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {AggregatorV3Interface} from "../interfaces/AggregatorV3Interface.sol";

/// @title MockAggregator
/// @notice Chainlink AggregatorV3-compatible feed with a settable answer and updatedAt (tests and devnet).
/// Also answers the legacy `latestAnswer()` / `latestTimestamp()` that Aave's oracle reads.
contract MockAggregator is AggregatorV3Interface, Ownable {
    uint8 public immutable override decimals;
    string public override description;
    uint80 private _roundId;
    int256 private _answer;
    uint256 private _updatedAt;
    /// @notice When set, every read reverts (access revoked, code replaced).
    bool public reverting;

    error FeedUnavailable();

    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);

    constructor(uint8 decimals_, string memory description_, int256 initialAnswer, address owner_) Ownable(owner_) {
        decimals = decimals_;
        description = description_;
        _set(initialAnswer, block.timestamp);
    }

    /// @notice Sets the answer, stamped with the current block time.
    function setAnswer(int256 answer) external onlyOwner {
        _set(answer, block.timestamp);
    }

    /// @notice Sets the answer and an explicit updatedAt (to simulate a stale feed).
    function setAnswerAt(int256 answer, uint256 updatedAt) external onlyOwner {
        _set(answer, updatedAt);
    }

    /// @notice Makes every read revert (true) or answer again (false).
    function setReverting(bool reverting_) external onlyOwner {
        reverting = reverting_;
    }

    function _set(int256 answer, uint256 updatedAt) private {
        _roundId += 1;
        _answer = answer;
        _updatedAt = updatedAt;
        emit AnswerUpdated(answer, _roundId, updatedAt);
    }

    function version() external pure override returns (uint256) {
        return 4;
    }

    function getRoundData(uint80 roundId)
        external
        view
        override
        returns (uint80, int256, uint256, uint256, uint80)
    {
        if (reverting) revert FeedUnavailable();
        return (roundId, _answer, _updatedAt, _updatedAt, roundId);
    }

    function latestRoundData() external view override returns (uint80, int256, uint256, uint256, uint80) {
        if (reverting) revert FeedUnavailable();
        return (_roundId, _answer, _updatedAt, _updatedAt, _roundId);
    }

    function latestAnswer() external view returns (int256) {
        if (reverting) revert FeedUnavailable();
        return _answer;
    }

    function latestTimestamp() external view returns (uint256) {
        return _updatedAt;
    }

    function latestRound() external view returns (uint256) {
        return _roundId;
    }
}
