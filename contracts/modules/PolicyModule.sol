// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Module} from "./Module.sol";
import {IPolicy} from "../interfaces/IPolicy.sol";
import {IRegistry} from "../interfaces/IRegistry.sol";
import {IModule} from "../interfaces/IModule.sol";
import {Roles} from "../libraries/Roles.sol";
import {Packed} from "../libraries/Packed.sol";

/// @title PolicyModule — policy versions and the catalogue, run inside the ledger's storage
contract PolicyModule is Module, IPolicy {
    uint256 private constant BPS = 10_000;
    uint256 private constant MAX_ITEMS = 500;

    /// @inheritdoc IPolicy
    function addPolicy(uint32 region, uint8 scheme, Policy calldata p) external onlyDelegated {
        _requireRegulator(region);
        if (scheme > 1) revert IRegistry.SchemeInvalid(scheme);
        uint64 key = _policyKey(region, scheme);
        Layout storage l = _layout();
        uint256[2][] storage versions = l.policyVersions[key];
        uint256 n = versions.length;
        if (n != 0) {
            uint32 latest = uint32(Packed.effectiveFrom(versions[n - 1][0]));
            if (p.effectiveFrom <= latest) {
                revert PolicyVersionNotAfterLatest(region, scheme, p.effectiveFrom, latest);
            }
        }
        (uint256 a, uint256 b) = _pack(p);
        versions.push([a, b]);
        l.latestPolicy[key] = [a, b];
        emit PolicyVersionAdded(region, scheme, n, p.effectiveFrom);
    }

    /// @inheritdoc IPolicy
    function setItems(uint32 region, Item[] calldata items) external onlyDelegated {
        _requireRegulator(region);
        uint256 n = items.length;
        if (n == 0 || n > MAX_ITEMS) revert IRegistry.BatchSizeInvalid(n, MAX_ITEMS);
        mapping(bytes32 => uint256) storage catalogue = _layout().items[region];
        for (uint256 i; i < n; ++i) {
            Item calldata it = items[i];
            if (it.code == bytes32(0) || it.category > 2) revert ItemInvalid(it.code);
            catalogue[it.code] =
                Packed.packItem(it.category, it.inpatientOnly, it.maxQty, it.minIntervalDays, it.priceCap);
            emit CatalogueItemSet(
                region, it.code, it.category, it.priceCap, it.inpatientOnly, it.maxQty, it.minIntervalDays
            );
        }
    }

    /// @inheritdoc IPolicy
    function removeItems(uint32 region, bytes32[] calldata codes) external onlyDelegated {
        _requireRegulator(region);
        uint256 n = codes.length;
        if (n == 0 || n > MAX_ITEMS) revert IRegistry.BatchSizeInvalid(n, MAX_ITEMS);
        mapping(bytes32 => uint256) storage catalogue = _layout().items[region];
        for (uint256 i; i < n; ++i) {
            if (catalogue[codes[i]] == 0) revert ItemUnknown(region, codes[i]);
            delete catalogue[codes[i]];
            emit CatalogueItemRemoved(region, codes[i]);
        }
    }

    /// @inheritdoc IPolicy
    function policyAt(uint32 region, uint8 scheme, uint32 day) external view returns (Policy memory p, uint256 index) {
        uint256[2][] storage versions = _layout().policyVersions[_policyKey(region, scheme)];
        uint256 lo;
        uint256 hi = versions.length; // find the last version with effectiveFrom <= day
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            if (Packed.effectiveFrom(versions[mid][0]) <= day) lo = mid + 1;
            else hi = mid;
        }
        if (lo == 0) revert PolicyNotFound(region, scheme, day);
        index = lo - 1;
        p = _unpack(versions[index][0], versions[index][1]);
    }

    /// @inheritdoc IPolicy
    function policyCount(uint32 region, uint8 scheme) external view returns (uint256) {
        return _layout().policyVersions[_policyKey(region, scheme)].length;
    }

    /// @inheritdoc IPolicy
    function itemOf(uint32 region, bytes32 code) external view returns (Item memory it) {
        uint256 w = _layout().items[region][code];
        if (!Packed.itemExists(w)) revert ItemUnknown(region, code);
        it = Item(
            code,
            uint8(Packed.itemCategory(w)),
            uint64(Packed.itemPriceCap(w)),
            Packed.itemInpatientOnly(w),
            uint32(Packed.itemMaxQty(w)),
            uint16(Packed.itemMinInterval(w))
        );
    }

    /// @inheritdoc IModule
    function moduleSelectors() external pure override returns (bytes4[] memory s) {
        s = new bytes4[](6);
        s[0] = this.addPolicy.selector;
        s[1] = this.setItems.selector;
        s[2] = this.removeItems.selector;
        s[3] = this.policyAt.selector;
        s[4] = this.policyCount.selector;
        s[5] = this.itemOf.selector;
    }

    // ---------------------------------------------------------------- internals

    function _requireRegulator(uint32 region) private view {
        if (!_layout().regions[region].exists) revert IRegistry.RegionUnknown(region);
        _checkRole(Roles.regulator(region));
    }

    function _bps(uint256 v) private pure returns (uint256) {
        if (v > BPS) revert BpsOutOfRange(v);
        return v;
    }

    function _fits(uint256 v, uint256 mask) private pure returns (uint256) {
        if (v > mask) revert PolicyFieldTooLarge(v);
        return v;
    }

    function _pack(Policy calldata p) private pure returns (uint256 a, uint256 b) {
        if (p.ipDeductible[0] != 0 || p.ipRatioBps[0] != 0) revert PolicyLevelZeroInpatient();
        a = _fits(p.effectiveFrom, Packed.M20) | (_fits(p.waitingDays, Packed.M10) << 20)
            | (_fits(p.maxClaimAgeDays, Packed.M10) << 30) | (_fits(p.monthlyVisitLimit, Packed.M6) << 40)
            | (_bps(p.classBSelfPayBps) << 46);
        for (uint256 i; i < 4; ++i) {
            a |= _bps(p.opRatioBps[i]) << (60 + 14 * i);
        }
        a |= (_fits(p.opDeductible, Packed.M30) << 116) | (_fits(p.opAnnualCap, Packed.M36) << 146)
            | (_fits(p.annualCap, Packed.M36) << 182) | (_fits(p.reviewThreshold, Packed.M36) << 218)
            | Packed.POLICY_EXISTS;
        b = _bps(p.crossRegionCutBps) | (uint256(p.appealDays) << 152);
        for (uint256 lvl = 1; lvl < 4; ++lvl) {
            b |= _bps(p.ipRatioBps[lvl]) << (14 + 14 * (lvl - 1));
            b |= _fits(p.ipDeductible[lvl], Packed.M32) << (56 + 32 * (lvl - 1));
        }
    }

    function _unpack(uint256 a, uint256 b) private pure returns (Policy memory p) {
        p.effectiveFrom = uint32(Packed.effectiveFrom(a));
        p.opDeductible = uint64(Packed.opDeductible(a));
        for (uint256 i; i < 4; ++i) {
            p.opRatioBps[i] = uint16(Packed.opRatio(a, i));
        }
        p.opAnnualCap = uint64(Packed.opAnnualCap(a));
        p.annualCap = uint64(Packed.annualCap(a));
        p.monthlyVisitLimit = uint16(Packed.monthlyVisitLimit(a));
        p.waitingDays = uint16(Packed.waitingDays(a));
        p.classBSelfPayBps = uint16(Packed.classB(a));
        p.crossRegionCutBps = uint16(Packed.crossCut(b));
        for (uint256 lvl = 1; lvl < 4; ++lvl) {
            p.ipRatioBps[lvl] = uint16(Packed.ipRatio(b, lvl));
            p.ipDeductible[lvl] = uint64(Packed.ipDeductible(b, lvl));
        }
        p.maxClaimAgeDays = uint16(Packed.maxClaimAge(a));
        p.appealDays = uint16(Packed.appealDays(b));
        p.reviewThreshold = uint64(Packed.reviewThreshold(a));
    }
}
