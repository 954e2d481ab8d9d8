// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title IRouter — how the ledger serves its modules' functions at its own address
/// @notice Every function the ledger does not define itself is routed by selector to the module
/// wired in for it at construction and run there by delegatecall, in the ledger's storage.
interface IRouter {
    /// @notice No module serves this selector.
    error FunctionUnknown(bytes4 selector);
    /// @notice Two modules claim the same selector, a module has no code (selector 0), or no
    /// module serves the roles (module 0).
    error ModuleInvalid(address module, bytes4 selector);

    /// @notice A module was wired in at construction, serving `selectors` functions.
    event ModuleInstalled(address indexed module, uint256 selectors);

    /// @notice The module serving `selector`, or zero.
    function moduleOf(bytes4 selector) external view returns (address);
}
