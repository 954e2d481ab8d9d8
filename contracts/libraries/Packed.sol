// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title Packed — bit layouts of the words the claim path reads and writes
/// @notice One storage slot each: a policy version is two words (A: outpatient and common
/// fields, B: inpatient, review and appeal fields), a catalogue item one, a claim one, a
/// person's year of counters one. Widths are checked where values enter (PolicyModule,
/// claim validation), so packing never truncates.
library Packed {
    // ---------------------------------------------------------------- policy word A
    // Everything an outpatient or pharmacy claim needs, so such a claim reads one slot:
    // effectiveFrom 0..19 | waitingDays 20..29 | maxClaimAgeDays 30..39 | monthlyVisitLimit 40..45
    // | classB 46..59 | opRatio[0..3] 60..115 (14 each) | opDeductible 116..145 (30)
    // | opAnnualCap 146..181 (36) | annualCap 182..217 (36) | reviewThreshold 218..253 (36) | exists 255
    // ---------------------------------------------------------------- policy word B
    // crossCut 0..13 | ipRatio[1..3] 14..55 (14 each) | ipDeductible[1..3] 56..151 (32 each)
    // | appealDays 152..167

    uint256 internal constant M6 = (1 << 6) - 1;
    uint256 internal constant M10 = (1 << 10) - 1;
    uint256 internal constant M14 = (1 << 14) - 1;
    uint256 internal constant M16 = (1 << 16) - 1;
    uint256 internal constant M20 = (1 << 20) - 1;
    uint256 internal constant M22 = (1 << 22) - 1;
    uint256 internal constant M24 = (1 << 24) - 1;
    uint256 internal constant M30 = (1 << 30) - 1;
    uint256 internal constant M32 = (1 << 32) - 1;
    uint256 internal constant M36 = (1 << 36) - 1;
    uint256 internal constant M40 = (1 << 40) - 1;
    uint256 internal constant M48 = (1 << 48) - 1;
    uint256 internal constant M64 = (1 << 64) - 1;
    uint256 internal constant POLICY_EXISTS = 1 << 255;

    function effectiveFrom(uint256 a) internal pure returns (uint256) {
        return a & M20;
    }

    function waitingDays(uint256 a) internal pure returns (uint256) {
        return (a >> 20) & M10;
    }

    function maxClaimAge(uint256 a) internal pure returns (uint256) {
        return (a >> 30) & M10;
    }

    function monthlyVisitLimit(uint256 a) internal pure returns (uint256) {
        return (a >> 40) & M6;
    }

    function classB(uint256 a) internal pure returns (uint256) {
        return (a >> 46) & M14;
    }

    function opRatio(uint256 a, uint256 level) internal pure returns (uint256) {
        unchecked {
            return (a >> (60 + 14 * level)) & M14;
        }
    }

    function opDeductible(uint256 a) internal pure returns (uint256) {
        return (a >> 116) & M30;
    }

    function opAnnualCap(uint256 a) internal pure returns (uint256) {
        return (a >> 146) & M36;
    }

    function annualCap(uint256 a) internal pure returns (uint256) {
        return (a >> 182) & M36;
    }

    function reviewThreshold(uint256 a) internal pure returns (uint256) {
        return (a >> 218) & M36;
    }

    function crossCut(uint256 b) internal pure returns (uint256) {
        return b & M14;
    }

    /// @dev level 1..3
    function ipRatio(uint256 b, uint256 level) internal pure returns (uint256) {
        unchecked {
            return (b >> (14 + 14 * (level - 1))) & M14;
        }
    }

    /// @dev level 1..3
    function ipDeductible(uint256 b, uint256 level) internal pure returns (uint256) {
        unchecked {
            return (b >> (56 + 32 * (level - 1))) & M32;
        }
    }

    function appealDays(uint256 b) internal pure returns (uint256) {
        return (b >> 152) & M16;
    }

    // ---------------------------------------------------------------- catalogue item
    // exists 0 | category 1..2 | inpatientOnly 3 | maxQty 8..39 | minInterval 40..55 | priceCap 64..127

    function itemExists(uint256 it) internal pure returns (bool) {
        return it & 1 != 0;
    }

    function itemCategory(uint256 it) internal pure returns (uint256) {
        return (it >> 1) & 3;
    }

    function itemInpatientOnly(uint256 it) internal pure returns (bool) {
        return (it >> 3) & 1 != 0;
    }

    function itemMaxQty(uint256 it) internal pure returns (uint256) {
        return (it >> 8) & M32;
    }

    function itemMinInterval(uint256 it) internal pure returns (uint256) {
        return (it >> 40) & M16;
    }

    function itemPriceCap(uint256 it) internal pure returns (uint256) {
        return (it >> 64) & M64;
    }

    function packItem(uint8 category, bool inpatientOnly, uint32 maxQty, uint16 minInterval, uint64 priceCap)
        internal
        pure
        returns (uint256)
    {
        return 1 | (uint256(category) << 1) | (inpatientOnly ? 8 : 0) | (uint256(maxQty) << 8)
            | (uint256(minInterval) << 40) | (uint256(priceCap) << 64);
    }

    // ---------------------------------------------------------------- claim
    // status 0..2 | reason 3..7 | flags 8..10 | visit 11..12 | serviceDay 13..34 | member 35..66
    // | institution 67..90 | epoch 91..106 | billed 107..142 | eligible 143..178
    // | deductible 179..214 | fund 215..250

    struct Claim {
        uint256 status;
        uint256 reason;
        uint256 flags;
        uint256 visit;
        uint256 serviceDay;
        uint256 member;
        uint256 institution;
        uint256 epoch;
        uint256 billed;
        uint256 eligible;
        uint256 deductible;
        uint256 fund;
    }

    function packClaim(Claim memory c) internal pure returns (uint256) {
        return c.status | (c.reason << 3) | (c.flags << 8) | (c.visit << 11) | (c.serviceDay << 13)
            | (c.member << 35) | (c.institution << 67) | (c.epoch << 91) | (c.billed << 107) | (c.eligible << 143)
            | (c.deductible << 179) | (c.fund << 215);
    }

    function unpackClaim(uint256 w) internal pure returns (Claim memory c) {
        c.status = w & 7;
        c.reason = (w >> 3) & 31;
        c.flags = (w >> 8) & 7;
        c.visit = (w >> 11) & 3;
        c.serviceDay = (w >> 13) & M22;
        c.member = (w >> 35) & M32;
        c.institution = (w >> 67) & M24;
        c.epoch = (w >> 91) & M16;
        c.billed = (w >> 107) & M36;
        c.eligible = (w >> 143) & M36;
        c.deductible = (w >> 179) & M36;
        c.fund = (w >> 215) & M36;
    }

    // ---------------------------------------------------------------- counters (person × year)
    // deductibleUsed 0..47 | fundUsed 48..95 | opFundUsed 96..143 | visits[12] 144..251 (9 bits each)

    uint256 internal constant VISIT_MAX = 511;

    function dedUsed(uint256 k) internal pure returns (uint256) {
        return k & M48;
    }

    function fundUsed(uint256 k) internal pure returns (uint256) {
        return (k >> 48) & M48;
    }

    function opFundUsed(uint256 k) internal pure returns (uint256) {
        return (k >> 96) & M48;
    }

    /// @dev month 1..12
    function visits(uint256 k, uint256 month) internal pure returns (uint256) {
        unchecked {
            return (k >> (144 + 9 * (month - 1))) & VISIT_MAX;
        }
    }
}
