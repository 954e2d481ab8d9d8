// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Module} from "./Module.sol";
import {IPolicy} from "../interfaces/IPolicy.sol";
import {IModule} from "../interfaces/IModule.sol";
import {SCHEME_RESIDENT, CATEGORY_C} from "../libraries/Codes.sol";
import {
    Packed, BPS, BPS_BITS, AMOUNT_MASK, POLICY_A_EFFECTIVE_FROM_MASK, POLICY_A_WAITING_SHIFT,
    POLICY_A_WAITING_MASK, POLICY_A_MAX_AGE_SHIFT, POLICY_A_MAX_AGE_MASK, POLICY_A_VISIT_LIMIT_SHIFT,
    POLICY_A_VISIT_LIMIT_MASK, POLICY_A_CLASS_B_SHIFT, POLICY_A_OP_RATIO_SHIFT,
    POLICY_A_OP_DEDUCTIBLE_SHIFT, POLICY_A_OP_DEDUCTIBLE_MASK, POLICY_A_OP_ANNUAL_CAP_SHIFT,
    POLICY_A_ANNUAL_CAP_SHIFT, POLICY_A_REVIEW_THRESHOLD_SHIFT, POLICY_A_EXISTS_SHIFT,
    POLICY_B_CROSS_CUT_SHIFT, POLICY_B_IP_RATIO_SHIFT, POLICY_B_IP_DEDUCTIBLE_SHIFT,
    POLICY_B_IP_DEDUCTIBLE_BITS, POLICY_B_IP_DEDUCTIBLE_MASK, POLICY_B_APPEAL_DAYS_SHIFT
} from "../libraries/Packed.sol";

/// @title PolicyModule — policy versions and the catalogue, run inside the ledger's storage
contract PolicyModule is Module, IPolicy {
    uint256 private constant MAX_ITEMS = 500;

    /// @inheritdoc IPolicy
    function addPolicy(uint32 region, uint8 scheme, Policy calldata p) external onlyDelegated {
        _requireRegulator(region);
        if (scheme > SCHEME_RESIDENT) revert SchemeInvalid(scheme);
        uint64 key = _policyKey(region, scheme);
        Layout storage l = _layout();
        uint256[2][] storage versions = l.policyVersions[key];
        uint256 n = versions.length;
        // rules are never changed for days already past (adjudication.md v1.1)
        uint32 today = _today();
        if (p.effectiveFrom < today) revert PolicyBackdated(region, scheme, p.effectiveFrom, today);
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
        uint256 n = items.length;
        mapping(bytes32 => uint256) storage catalogue = _catalogueBatch(region, n);
        for (uint256 i; i < n; ++i) {
            Item calldata it = items[i];
            if (it.code == bytes32(0) || it.category > CATEGORY_C) revert ItemInvalid(it.code);
            catalogue[it.code] =
                Packed.packItem(it.category, it.inpatientOnly, it.maxQty, it.minIntervalDays, it.priceCap);
            emit CatalogueItemSet(
                region, it.code, it.category, it.priceCap, it.inpatientOnly, it.maxQty, it.minIntervalDays
            );
        }
    }

    /// @inheritdoc IPolicy
    function removeItems(uint32 region, bytes32[] calldata codes) external onlyDelegated {
        uint256 n = codes.length;
        mapping(bytes32 => uint256) storage catalogue = _catalogueBatch(region, n);
        for (uint256 i; i < n; ++i) {
            if (catalogue[codes[i]] == 0) revert ItemUnknown(region, codes[i]);
            delete catalogue[codes[i]];
            emit CatalogueItemRemoved(region, codes[i]);
        }
    }

    /// @inheritdoc IPolicy
    function policyAt(uint32 region, uint8 scheme, uint32 day) external view returns (Policy memory p, uint256 index) {
        uint256[2][] storage versions = _layout().policyVersions[_policyKey(region, scheme)];
        index = _versionIndex(versions, day);
        if (index == type(uint256).max) revert PolicyNotFound(region, scheme, day);
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

    /// @dev A batch of `n` catalogue changes for `region` by its regulator: the catalogue.
    function _catalogueBatch(uint32 region, uint256 n) private view returns (mapping(bytes32 => uint256) storage) {
        _requireRegulator(region);
        if (n == 0 || n > MAX_ITEMS) revert BatchSizeInvalid(n, MAX_ITEMS);
        return _layout().items[region];
    }

    /// @inheritdoc IModule
    function moduleSelectors() external pure override returns (bytes4[] memory) {
        return _selectors(
            abi.encodePacked(
                this.addPolicy.selector, this.setItems.selector, this.removeItems.selector,
                this.policyAt.selector, this.policyCount.selector, this.itemOf.selector
            )
        );
    }

    // ---------------------------------------------------------------- internals

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
        a = _fits(p.effectiveFrom, POLICY_A_EFFECTIVE_FROM_MASK) | (_fits(p.waitingDays, POLICY_A_WAITING_MASK) << POLICY_A_WAITING_SHIFT)
            | (_fits(p.maxClaimAgeDays, POLICY_A_MAX_AGE_MASK) << POLICY_A_MAX_AGE_SHIFT)
            | (_fits(p.monthlyVisitLimit, POLICY_A_VISIT_LIMIT_MASK) << POLICY_A_VISIT_LIMIT_SHIFT)
            | (_bps(p.classBSelfPayBps) << POLICY_A_CLASS_B_SHIFT);
        for (uint256 i; i < 4; ++i) {
            a |= _bps(p.opRatioBps[i]) << (POLICY_A_OP_RATIO_SHIFT + BPS_BITS * i);
        }
        a |= (_fits(p.opDeductible, POLICY_A_OP_DEDUCTIBLE_MASK) << POLICY_A_OP_DEDUCTIBLE_SHIFT)
            | (_fits(p.opAnnualCap, AMOUNT_MASK) << POLICY_A_OP_ANNUAL_CAP_SHIFT)
            | (_fits(p.annualCap, AMOUNT_MASK) << POLICY_A_ANNUAL_CAP_SHIFT)
            | (_fits(p.reviewThreshold, AMOUNT_MASK) << POLICY_A_REVIEW_THRESHOLD_SHIFT) | (1 << POLICY_A_EXISTS_SHIFT);
        b = (_bps(p.crossRegionCutBps) << POLICY_B_CROSS_CUT_SHIFT) | (uint256(p.appealDays) << POLICY_B_APPEAL_DAYS_SHIFT);
        for (uint256 lvl = 1; lvl < 4; ++lvl) {
            b |= _bps(p.ipRatioBps[lvl]) << (POLICY_B_IP_RATIO_SHIFT + BPS_BITS * lvl);
            b |= _fits(p.ipDeductible[lvl], POLICY_B_IP_DEDUCTIBLE_MASK)
                << (POLICY_B_IP_DEDUCTIBLE_SHIFT + POLICY_B_IP_DEDUCTIBLE_BITS * (lvl - 1));
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
