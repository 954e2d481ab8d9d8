// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {LedgerStorage} from "../LedgerStorage.sol";
import {IModule} from "../interfaces/IModule.sol";
import {Days} from "../libraries/Days.sol";

/// @title Module — base of the ledger's delegatecalled modules
/// @notice Roles are OpenZeppelin AccessControl state in the ledger's storage, read and written
/// only by modules: the ledger itself checks no role (a claim's institution is its sender),
/// so its own dispatch stays short for the claim path. RegistryModule serves the
/// AccessControl functions and sets the first admin up from the ledger's constructor.
abstract contract Module is LedgerStorage, AccessControl, IModule {
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
