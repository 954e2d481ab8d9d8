// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {LedgerStorage} from "../LedgerStorage.sol";
import {IModule} from "../interfaces/IModule.sol";
import {IErrors} from "../interfaces/IErrors.sol";
import {Days} from "../libraries/Days.sol";
import {Roles} from "../libraries/Roles.sol";
import {Packed, POLICY_KEY_REGION_SHIFT} from "../libraries/Packed.sol";

/// @title Module — base of the ledger's delegatecalled modules, and their shared helpers
/// @notice Roles are OpenZeppelin AccessControl state (namespaced, ERC-7201) in the ledger's
/// storage, read and written only by modules: the ledger itself checks no role (a claim's
/// institution is its sender), so its own dispatch stays short for the claim path.
/// RegistryModule serves the AccessControl functions and sets the first admin up from the
/// ledger's constructor. No initializer of OpenZeppelin's runs: roles need none.
abstract contract Module is LedgerStorage, AccessControlUpgradeable, IModule, IErrors {
    address private immutable _self = address(this);

    /// @dev State-changing module functions only run in the ledger's storage.
    modifier onlyDelegated() {
        if (address(this) == _self) revert ModuleCalledDirectly();
        _;
    }

    function _today() internal view returns (uint32) {
        return Days.today();
    }

    /// @dev The selectors packed in `packed` (4 bytes each, as `abi.encodePacked` of the
    /// selectors gives them), as a list: the modules' `moduleSelectors` name each function once
    /// and never state a count.
    function _selectors(bytes memory packed) internal pure returns (bytes4[] memory s) {
        uint256 n = packed.length / 4;
        s = new bytes4[](n);
        for (uint256 i; i < n; ++i) {
            bytes4 sel;
            assembly ("memory-safe") {
                sel := and(mload(add(add(packed, 0x20), mul(i, 4))), shl(224, 0xffffffff))
            }
            s[i] = sel;
        }
    }

    // ---------------------------------------------------------------- access

    /// @dev The region is registered.
    function _requireRegion(uint32 region) internal view {
        if (!_layout().regions[region].exists) revert RegionUnknown(region);
    }

    /// @dev The region is registered and the sender is its regulator.
    function _requireRegulator(uint32 region) internal view {
        _requireRegion(region);
        _checkRole(Roles.regulator(region));
    }

    /// @dev The institution registered under `account`, whose region's regulator the sender is.
    function _institutionOfRegulator(address account) internal view returns (Institution storage inst) {
        inst = _layout().institutions[account];
        if (!inst.exists) revert InstitutionUnknown(account);
        _checkRole(Roles.regulator(inst.region));
    }

    /// @dev The person enrolled as `person`, whose home region's operator the sender is.
    function _personOfOperator(bytes32 person) internal view returns (Person storage p) {
        p = _layout().people[person];
        if (p.index == 0) revert PersonUnknown(person);
        _checkRole(Roles.operator(p.region));
    }

    // ---------------------------------------------------------------- policy versions

    /// @dev The key of a region × scheme's policy versions (Packed.sol).
    function _policyKey(uint32 region, uint8 scheme) internal pure returns (uint64) {
        return (uint64(region) << POLICY_KEY_REGION_SHIFT) | scheme;
    }

    /// @dev Index of the last version with effectiveFrom ≤ day, or type(uint256).max if none:
    /// a binary search (log₂ of the number of versions). The claim path has its own in Yul.
    function _versionIndex(uint256[2][] storage versions, uint256 day) internal view returns (uint256) {
        uint256 lo = 0;
        uint256 hi = versions.length;
        while (lo < hi) {
            uint256 mid = (lo + hi) >> 1;
            if (Packed.effectiveFrom(versions[mid][0]) <= day) lo = mid + 1;
            else hi = mid;
        }
        return lo == 0 ? type(uint256).max : lo - 1;
    }

    /// @dev Word A of the version in force on `day`, or 0: the newest version (one slot) in
    /// the usual case, else the search.
    function _policyWordA(uint64 key, uint256 day) internal view returns (uint256) {
        Layout storage l = _layout();
        uint256 a = l.latestPolicy[key][0];
        if (a == 0 || Packed.effectiveFrom(a) <= day) return a;
        uint256[2][] storage versions = l.policyVersions[key];
        uint256 i = _versionIndex(versions, day);
        return i == type(uint256).max ? 0 : versions[i][0];
    }

    /// @dev Word B of the version in force on `day` (which must exist).
    function _policyWordB(uint64 key, uint256 day) internal view returns (uint256) {
        Layout storage l = _layout();
        uint256[2] storage latest = l.latestPolicy[key];
        if (Packed.effectiveFrom(latest[0]) <= day) return latest[1];
        uint256[2][] storage versions = l.policyVersions[key];
        return versions[_versionIndex(versions, day)][1];
    }
}
