// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title KeelTimelock
/// @notice Per-function timelocks for risk-increasing changes, after Morpho Vault V2: the manager `submit`s the exact
/// calldata, the manager executes that calldata once `timelock(selector)` has passed since the submission (the timelock
/// in force at execution counts, so raising it also delays what is pending), the manager or a sentinel `revoke`s it
/// before then. A selector whose timelock is 0 also executes directly. Raising a timelock is instant; lowering one
/// waits the current timelock of that selector, and so does `abdicate`, which disables a function for good.
/// Children decide who may submit and revoke and which functions consume a timelock (`_consumeTimelock`).
abstract contract KeelTimelock {
    /// @notice Longest timelock a function may get (abdication aside).
    uint256 public constant TIMELOCK_CAP = 30 days;
    uint256 private constant ABDICATED = type(uint256).max;

    /// @notice Timelock of each function selector, in seconds; type(uint256).max once abdicated.
    mapping(bytes4 selector => uint256) public timelock;
    mapping(bytes32 dataHash => uint256) private _submittedAt;

    error Abdicated(bytes4 selector);
    error DataAlreadyPending(bytes32 dataHash);
    error DataNotPending(bytes32 dataHash);
    error TimelockNotExpired(uint256 executableAt);
    error TimelockTooLong(uint256 duration, uint256 cap);
    error TimelockNotIncreasing(bytes4 selector, uint256 current, uint256 duration);
    error TimelockNotDecreasing(bytes4 selector, uint256 current, uint256 duration);
    error InvalidSubmission();

    event Submitted(bytes4 indexed selector, bytes data, uint256 executableAt);
    event Revoked(bytes4 indexed selector, address indexed by, bytes data);
    event TimelockIncreased(bytes4 indexed selector, uint256 duration);
    event TimelockDecreased(bytes4 indexed selector, uint256 duration);
    event FunctionAbdicated(bytes4 indexed selector);

    /// @dev Reverts unless the caller may submit changes (and raise timelocks).
    function _checkSubmitter() internal view virtual;

    /// @dev Reverts unless the caller may revoke pending changes.
    function _checkRevoker() internal view virtual;

    /// @notice When `data` becomes executable (0 when it is not pending).
    function executableAt(bytes calldata data) public view returns (uint256) {
        uint256 at = _submittedAt[keccak256(data)];
        if (at == 0) return 0;
        uint256 lock = timelock[_lockSelector(data)];
        return lock == ABDICATED ? type(uint256).max : at + lock;
    }

    /// @notice Schedules `data` (calldata of a timelocked function of this contract).
    function submit(bytes calldata data) external {
        _checkSubmitter();
        if (data.length < 4) revert InvalidSubmission();
        bytes4 lockSel = _lockSelector(data);
        if (timelock[lockSel] == ABDICATED) revert Abdicated(lockSel);
        bytes32 h = keccak256(data);
        if (_submittedAt[h] != 0) revert DataAlreadyPending(h);
        _submittedAt[h] = block.timestamp;
        emit Submitted(bytes4(data), data, block.timestamp + timelock[lockSel]);
    }

    /// @notice Cancels a pending change (manager or sentinel).
    function revoke(bytes calldata data) external {
        _checkRevoker();
        bytes32 h = keccak256(data);
        if (_submittedAt[h] == 0) revert DataNotPending(h);
        delete _submittedAt[h];
        emit Revoked(bytes4(data), msg.sender, data);
    }

    /// @notice Lengthens a function's timelock; instant (it only reduces risk).
    function increaseTimelock(bytes4 selector, uint256 duration) external {
        _checkSubmitter();
        uint256 current = timelock[selector];
        if (current == ABDICATED) revert Abdicated(selector);
        if (duration > TIMELOCK_CAP) revert TimelockTooLong(duration, TIMELOCK_CAP);
        if (duration < current) revert TimelockNotIncreasing(selector, current, duration);
        timelock[selector] = duration;
        emit TimelockIncreased(selector, duration);
    }

    /// @notice Shortens a function's timelock; waits that function's current timelock.
    function decreaseTimelock(bytes4 selector, uint256 duration) external {
        _checkSubmitter();
        _consumeTimelock(selector);
        uint256 current = timelock[selector];
        if (duration > current) revert TimelockNotDecreasing(selector, current, duration);
        timelock[selector] = duration;
        emit TimelockDecreased(selector, duration);
    }

    /// @notice Disables a timelocked function for good; waits that function's current timelock.
    function abdicate(bytes4 selector) external {
        _checkSubmitter();
        _consumeTimelock(selector);
        timelock[selector] = ABDICATED;
        emit FunctionAbdicated(selector);
    }

    /// @dev Lets the current call through when its exact calldata was submitted and `lockSel`'s timelock has passed,
    /// or when that timelock is 0; consumes the submission.
    function _consumeTimelock(bytes4 lockSel) internal {
        uint256 lock = timelock[lockSel];
        if (lock == ABDICATED) revert Abdicated(lockSel);
        bytes32 h = keccak256(msg.data);
        uint256 at = _submittedAt[h];
        if (at == 0) {
            if (lock == 0) return;
            revert DataNotPending(h);
        }
        if (block.timestamp < at + lock) revert TimelockNotExpired(at + lock);
        delete _submittedAt[h];
    }

    /// @dev The selector whose timelock governs `data`: the target's for decreaseTimelock / abdicate.
    function _lockSelector(bytes calldata data) private pure returns (bytes4 sel) {
        sel = bytes4(data);
        if ((sel == this.decreaseTimelock.selector || sel == this.abdicate.selector) && data.length >= 8) {
            sel = bytes4(data[4:8]);
        }
    }
}
