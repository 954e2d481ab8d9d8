// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title IModule — a contract whose functions the ledger runs by delegatecall
/// @notice Read by the ledger's constructor only; not part of the ledger's API.
interface IModule {
    /// @notice The function selectors this module serves through the ledger.
    function moduleSelectors() external pure returns (bytes4[] memory);
}
