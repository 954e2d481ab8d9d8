// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Packed} from "./Packed.sol";

/// @title Adjudication — the money math of adjudication.md §2–§7, pure
/// @notice Every division rounds down, so rounding never costs the fund.
library Adjudication {
    uint256 internal constant BPS = 10_000;

    // visit types
    uint256 internal constant OUTPATIENT = 0;
    uint256 internal constant INPATIENT = 1;
    uint256 internal constant PHARMACY = 2;

    // line notes (bits)
    uint256 internal constant NOT_IN_CATALOGUE = 1;
    uint256 internal constant CATEGORY_C = 2;
    uint256 internal constant INPATIENT_ONLY = 4;
    uint256 internal constant TOO_SOON = 8;
    uint256 internal constant PRICE_CAPPED = 16;
    uint256 internal constant QTY_CAPPED = 32;

    // flags (bits)
    uint256 internal constant FLAG_VISIT_LIMIT = 1;
    uint256 internal constant FLAG_REVIEW_THRESHOLD = 2;
    uint256 internal constant FLAG_INSTITUTION_GRADE = 4;

    /// @notice §2 for an item that passed the eligibility checks: cap price and quantity,
    /// keep the class-B share. Returns the eligible amount and the PRICE/QTY notes.
    function eligibleOf(uint256 item, uint256 qty, uint256 unitPrice, uint256 classBSelfPayBps)
        internal
        pure
        returns (uint256 eligible, uint256 notes)
    {
        uint256 cap = Packed.itemPriceCap(item);
        if (cap != 0 && unitPrice > cap) {
            unitPrice = cap;
            notes = PRICE_CAPPED;
        }
        uint256 maxQty = Packed.itemMaxQty(item);
        if (maxQty != 0 && qty > maxQty) {
            qty = maxQty;
            notes |= QTY_CAPPED;
        }
        unchecked {
            // qty < 2**32, unitPrice < 2**64, classB ≤ 10000: no overflow
            eligible = qty * unitPrice;
            if (Packed.itemCategory(item) == 1) eligible = eligible * (BPS - classBSelfPayBps) / BPS;
        }
    }

    /// @notice §3: the deductible of a claim with eligible amount `e`.
    function deductible(uint256 visit, uint256 e, uint256 policyA, uint256 policyB, uint256 level, uint256 used)
        internal
        pure
        returns (uint256 d)
    {
        unchecked {
            if (visit == INPATIENT) {
                d = Packed.ipDeductible(policyB, level);
            } else {
                uint256 annual = Packed.opDeductible(policyA);
                d = annual > used ? annual - used : 0;
            }
        }
        if (d > e) d = e;
    }

    /// @notice §4: the ratio, less the cross-region cut when `cut` (not below 0).
    function ratio(uint256 visit, uint256 policyA, uint256 policyB, uint256 level, bool cut)
        internal
        pure
        returns (uint256 r)
    {
        r = visit == INPATIENT ? Packed.ipRatio(policyB, level) : Packed.opRatio(policyA, level);
        if (cut) {
            uint256 c = Packed.crossCut(policyB);
            unchecked {
                r = r > c ? r - c : 0;
            }
        }
    }

    /// @notice §5: the fund share, capped by what the outpatient and annual caps leave.
    function fundShare(uint256 visit, uint256 e, uint256 d, uint256 r, uint256 policyA, uint256 counters)
        internal
        pure
        returns (uint256 fund)
    {
        unchecked {
            fund = (e - d) * r / BPS; // d ≤ e < 2**36, r ≤ 10000
        }
        if (visit != INPATIENT) fund = capTo(fund, Packed.opAnnualCap(policyA), Packed.opFundUsed(counters));
        fund = capTo(fund, Packed.annualCap(policyA), Packed.fundUsed(counters));
    }

    /// @notice `min(amount, max(0, cap − used))`.
    function capTo(uint256 amount, uint256 cap, uint256 used) internal pure returns (uint256) {
        uint256 left;
        unchecked {
            left = cap > used ? cap - used : 0;
        }
        return amount < left ? amount : left;
    }

    /// @notice §7: the flags of a claim.
    function flags(uint256 visit, uint256 fund, uint256 policyA, uint256 grade, uint256 visitsBefore)
        internal
        pure
        returns (uint256 f)
    {
        if (visit != INPATIENT) {
            uint256 limit = Packed.monthlyVisitLimit(policyA);
            if (limit != 0 && visitsBefore >= limit) f = FLAG_VISIT_LIMIT; // before + 1 > limit
        }
        uint256 threshold = Packed.reviewThreshold(policyA);
        if (fund > threshold) f |= FLAG_REVIEW_THRESHOLD;
        if (grade == 3 || (grade == 2 && fund > threshold / 2)) f |= FLAG_INSTITUTION_GRADE;
    }
}
