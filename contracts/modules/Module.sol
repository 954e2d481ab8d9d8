// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {LedgerStorage} from "../LedgerStorage.sol";
import {IModule} from "../interfaces/IModule.sol";
import {Days} from "../libraries/Days.sol";

/// @title Module — base of the ledger's delegatecalled modules
abstract contract Module is LedgerStorage, IModule {
    /// @notice A module function was called on the module itself, not through the ledger.
    error ModuleCalledDirectly();

    address private immutable _self = address(this);

    /// @dev State-changing module functions only run in the ledger's storage.
    modifier onlyDelegated() {
        if (address(this) == _self) revert ModuleCalledDirectly();
        _;
    }

    function _today() internal view returns (uint32) {
        return Days.today();
    }
}
