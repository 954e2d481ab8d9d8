// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ClaimPath} from "./ClaimPath.sol";
import {IModule} from "./interfaces/IModule.sol";
import {IRouter} from "./interfaces/IRouter.sol";
import {IClaims} from "./interfaces/IClaims.sol";
import {IRegistry} from "./interfaces/IRegistry.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Days} from "./libraries/Days.sol";
import {STATUS_APPROVED} from "./libraries/Codes.sol";
import {
    M8, INSTITUTION_EXISTS_SHIFT, INSTITUTION_PAYABLE_FUND_SHIFT, INSTITUTION_PENDING_CLAIMS_SHIFT,
    INSTITUTION_SLOT0_MASK, CONTEXT_TODAY_SHIFT
} from "./libraries/Packed.sol";

/// @title YibaoLedger — the medical-insurance ledger of one deployment
/// @notice Holds all state and decides claims itself (ClaimPath reads registry, policy and
/// catalogue storage directly). Functions not defined here are routed by selector to module
/// contracts and run by delegatecall in this contract's storage, so one address serves the
/// whole API (IYibaoLedger).
contract YibaoLedger is ClaimPath, IRouter {
    uint256 private constant MAX_CLAIMS = 200;

    /// @param admin the account that holds DEFAULT_ADMIN_ROLE (adds regions, grants regulators)
    /// @param modules the module contracts whose selectors this ledger serves
    constructor(address admin, address[] memory modules) {
        _checkConstants();
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
        // roles are the modules' business: the one serving grantRole sets the first admin up
        address registry = l.modules[IAccessControl.grantRole.selector];
        if (registry == address(0)) revert ModuleInvalid(address(0), IAccessControl.grantRole.selector);
        (bool ok, bytes memory ret) = registry.delegatecall(abi.encodeCall(IRegistry.initialize, (admin)));
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }

    /// @inheritdoc IRouter
    function moduleOf(bytes4 selector) external view returns (address) {
        return _layout().modules[selector];
    }

    /// @inheritdoc IClaims
    function submitClaims(bytes32[] calldata words) external returns (bytes32 claimId, uint8 status) {
        Layout storage l = _layout();
        Institution storage stored = l.institutions[msg.sender];
        uint256 slot0;
        assembly ("memory-safe") {
            slot0 := sload(stored.slot)
        }
        if ((slot0 >> INSTITUTION_EXISTS_SHIFT) & M8 == 0) revert InstitutionUnknown(msg.sender);
        uint256 n = words.length;
        if (n == 0) revert BatchSizeInvalid(0, MAX_CLAIMS);
        // the institution's slot 0 with today's day number on top
        uint256 ctx = (slot0 & INSTITUTION_SLOT0_MASK) | (uint256(Days.today()) << CONTEXT_TODAY_SHIFT);
        uint256 o;
        uint256 count;
        uint256 payable_;
        uint256 approved;
        while (o < n) {
            if (++count > MAX_CLAIMS) revert BatchSizeInvalid(count, MAX_CLAIMS);
            uint256 st;
            uint256 fund;
            uint256 home;
            (o, claimId, st, fund, home) = _decide(ctx, words, o);
            if (st == STATUS_APPROVED) {
                unchecked {
                    payable_ += fund; // < 2**36 each, at most MAX_CLAIMS
                    ++approved;
                }
                if (home != 0) _bookCross(l, msg.sender, home, fund);
            }
            status = uint8(st);
        }
        if (approved != 0) {
            // payableFund and pendingClaims of slot 0, written once
            unchecked {
                uint256 total = ((slot0 >> INSTITUTION_PAYABLE_FUND_SHIFT) & type(uint64).max) + payable_;
                uint256 pending = ((slot0 >> INSTITUTION_PENDING_CLAIMS_SHIFT) & type(uint32).max) + approved;
                if (total > type(uint64).max || pending > type(uint32).max) revert PayableOverflow(msg.sender);
                slot0 += (payable_ << INSTITUTION_PAYABLE_FUND_SHIFT) + (approved << INSTITUTION_PENDING_CLAIMS_SHIFT);
            }
            assembly ("memory-safe") {
                sstore(stored.slot, slot0)
            }
        }
    }

    /// @notice Every other selector: run by the module serving it (`moduleOf`), by delegatecall.
    fallback() external {
        address module = _layout().modules[msg.sig];
        if (module == address(0)) revert FunctionUnknown(msg.sig);
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, 0, calldatasize())
            let ok := delegatecall(gas(), module, ptr, calldatasize(), 0, 0)
            returndatacopy(ptr, 0, returndatasize())
            switch ok
            case 0 { revert(ptr, returndatasize()) }
            default { return(ptr, returndatasize()) }
        }
    }
}
