// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {LedgerStorage} from "./LedgerStorage.sol";
import {IModule} from "./interfaces/IModule.sol";
import {Roles} from "./libraries/Roles.sol";

/// @title YibaoLedger — the medical-insurance ledger of one deployment
/// @notice Holds all state. Functions not defined here are routed by selector to module
/// contracts and run by delegatecall in this contract's storage, so one address serves the
/// whole API and the claim path reads registry state without external calls.
contract YibaoLedger is LedgerStorage {
    /// @notice No module serves this selector.
    error FunctionUnknown(bytes4 selector);
    /// @notice Two modules claim the same selector, or a module has no code.
    error ModuleInvalid(address module, bytes4 selector);

    /// @notice A module was wired in at construction.
    event ModuleInstalled(address indexed module, uint256 selectors);

    /// @param admin the account that holds DEFAULT_ADMIN_ROLE (adds regions, grants regulators)
    /// @param modules the module contracts whose selectors this ledger serves
    constructor(address admin, address[] memory modules) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _setRoleAdmin(Roles.INSTITUTION, Roles.NOBODY);
        _setRoleAdmin(Roles.NOBODY, Roles.NOBODY); // else the admin could grant NOBODY, then INSTITUTION
        Layout storage l = _layout();
        for (uint256 m; m < modules.length; ++m) {
            address module = modules[m];
            if (module.code.length == 0) revert ModuleInvalid(module, bytes4(0));
            bytes4[] memory selectors = IModule(module).moduleSelectors();
            for (uint256 i; i < selectors.length; ++i) {
                if (l.modules[selectors[i]] != address(0)) revert ModuleInvalid(module, selectors[i]);
                l.modules[selectors[i]] = module;
            }
            emit ModuleInstalled(module, selectors.length);
        }
    }

    /// @notice The module serving `selector`, or zero.
    function moduleOf(bytes4 selector) external view returns (address) {
        return _layout().modules[selector];
    }

    fallback() external {
        address module = _layout().modules[msg.sig];
        if (module == address(0)) revert FunctionUnknown(msg.sig);
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), module, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            switch ok
            case 0 { revert(0, returndatasize()) }
            default { return(0, returndatasize()) }
        }
    }
}
