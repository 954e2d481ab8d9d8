// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// Packed — every bit layout of the ledger, stated once
//
// One storage slot each: a policy version is two words (A: outpatient and common fields,
// B: inpatient, review and appeal fields), a catalogue item one, a claim one, a person's year
// of counters one, a flagged claim's review data one. The claim path's Yul reads and writes
// them, and the Person and Institution slots, by the constants below; the library functions
// read them for Solidity. Constants are file-level with literal values because inline
// assembly can name no other kind. Widths are checked where values enter (PolicyModule,
// claim validation), so packing never truncates.

// ---------------------------------------------------------------- field widths
uint256 constant M6 = 0x3f;
uint256 constant M8 = 0xff;
uint256 constant M10 = 0x3ff;
uint256 constant M14 = 0x3fff;
uint256 constant M16 = 0xffff;
uint256 constant M20 = 0xfffff;
uint256 constant M22 = 0x3fffff;
uint256 constant M24 = 0xffffff;
uint256 constant M30 = 0x3fffffff;
uint256 constant M32 = 0xffffffff;
uint256 constant M36 = 0xfffffffff;
uint256 constant M48 = 0xffffffffffff;
uint256 constant M64 = 0xffffffffffffffff;
uint256 constant M128 = 0xffffffffffffffffffffffffffffffff;

/// @dev Rates are in basis points: 10000 = 100%, 14 bits each.
uint256 constant BPS = 10000;
uint256 constant BPS_BITS = 14;
uint256 constant BPS_MASK = M14;

/// @dev An amount in fen, as a claim stores it (36 bits: 6.87 亿元).
uint256 constant AMOUNT_MASK = M36;

// ---------------------------------------------------------------- claim word
// status 0..2 | reason 3..7 | flags 8..10 | visit 11..12 | serviceDay 13..34 | member 35..66
// | institution 67..90 | epoch 91..106 | billed 107..142 | eligible 143..178
// | deductible 179..214 | fund 215..250. Stored per claim and emitted as ClaimDecided.decision.
uint256 constant CLAIM_STATUS_SHIFT = 0;
uint256 constant CLAIM_STATUS_MASK = 0x7;
uint256 constant CLAIM_REASON_SHIFT = 3;
uint256 constant CLAIM_REASON_MASK = 0x1f;
uint256 constant CLAIM_FLAGS_SHIFT = 8;
uint256 constant CLAIM_FLAGS_MASK = 0x7;
uint256 constant CLAIM_VISIT_SHIFT = 11;
uint256 constant CLAIM_VISIT_MASK = 0x3;
uint256 constant CLAIM_DAY_SHIFT = 13;
/// @dev The last storable day number (22 bits: after year 13000).
uint256 constant CLAIM_DAY_MASK = M22;
uint256 constant CLAIM_MEMBER_SHIFT = 35;
uint256 constant CLAIM_MEMBER_MASK = M32;
uint256 constant CLAIM_INSTITUTION_SHIFT = 67;
uint256 constant CLAIM_INSTITUTION_MASK = M24;
uint256 constant CLAIM_EPOCH_SHIFT = 91;
uint256 constant CLAIM_EPOCH_MASK = M16;
uint256 constant CLAIM_BILLED_SHIFT = 107;
uint256 constant CLAIM_ELIGIBLE_SHIFT = 143;
uint256 constant CLAIM_DEDUCTIBLE_SHIFT = 179;
uint256 constant CLAIM_FUND_SHIFT = 215;

// ---------------------------------------------------------------- line results
// ClaimDecided.lines and each word of ClaimLines.more: six lines a word, line i at bit 42·(i mod 6):
// notes 0..5 (NOTE_* bits) | eligible 6..41
uint256 constant LINE_NOTES_MASK = M6;
uint256 constant LINE_ELIGIBLE_SHIFT = 6;
uint256 constant LINE_RESULT_BITS = 42;
uint256 constant LINE_RESULTS_PER_WORD = 6;

// ---------------------------------------------------------------- claim wire format (calldata)
// IClaims.submitClaims: per claim 4 words, then 2 words a line (code, then qty | price).
uint256 constant WIRE_INVOICE = 0;
uint256 constant WIRE_PERSON = 1;
uint256 constant WIRE_DOCUMENTS = 2;
uint256 constant WIRE_META = 3;
uint256 constant WIRE_HEAD = 4;
// meta word: visit 0..7 | serviceDay 8..39 (admission day for inpatients) | dischargeDay 40..71
// (0 unless inpatient) | line count 72..79 | claimedFund given 80 | claimedFund 88..151
uint256 constant META_VISIT_MASK = M8;
uint256 constant META_DAY_SHIFT = 8;
uint256 constant META_DISCHARGE_SHIFT = 40;
uint256 constant META_DAY_MASK = M32;
uint256 constant META_LINES_SHIFT = 72;
uint256 constant META_LINES_MASK = M8;
uint256 constant META_CLAIMED_GIVEN_SHIFT = 80;
uint256 constant META_CLAIMED_SHIFT = 88;
uint256 constant META_CLAIMED_MASK = M64;
/// @dev Bits of the meta word outside its fields (81..87, 152..255): a claim with any set is malformed.
uint256 constant META_UNUSED_MASK = 0xffffffffffffffffffffffffff0000000000000000fe00000000000000000000;
// a line's second word: quantity 0..31 | unitPrice 32..95 (fen)
uint256 constant WIRE_QTY_MASK = M32;
uint256 constant WIRE_PRICE_SHIFT = 32;
uint256 constant WIRE_PRICE_MASK = M64;
/// @dev Bits of a line's second word outside quantity and price (96..255).
uint256 constant WIRE_LINE_UNUSED_MASK = 0xffffffffffffffffffffffffffffffffffffffff000000000000000000000000;

// ---------------------------------------------------------------- policy word A
// Everything an outpatient or pharmacy claim needs, so such a claim reads one slot:
// effectiveFrom 0..19 | waitingDays 20..29 | maxClaimAgeDays 30..39 | monthlyVisitLimit 40..45
// | classB 46..59 | opRatio[0..3] 60..115 (14 each) | opDeductible 116..145 (30)
// | opAnnualCap 146..181 (36) | annualCap 182..217 (36) | reviewThreshold 218..253 (36) | exists 255
uint256 constant POLICY_A_EFFECTIVE_FROM_MASK = M20;
uint256 constant POLICY_A_WAITING_SHIFT = 20;
uint256 constant POLICY_A_WAITING_MASK = M10;
uint256 constant POLICY_A_MAX_AGE_SHIFT = 30;
uint256 constant POLICY_A_MAX_AGE_MASK = M10;
uint256 constant POLICY_A_VISIT_LIMIT_SHIFT = 40;
uint256 constant POLICY_A_VISIT_LIMIT_MASK = M6;
uint256 constant POLICY_A_CLASS_B_SHIFT = 46;
/// @dev opRatio of level L (0..3) at POLICY_A_OP_RATIO_SHIFT + BPS_BITS·L.
uint256 constant POLICY_A_OP_RATIO_SHIFT = 60;
uint256 constant POLICY_A_OP_DEDUCTIBLE_SHIFT = 116;
uint256 constant POLICY_A_OP_DEDUCTIBLE_MASK = M30;
uint256 constant POLICY_A_OP_ANNUAL_CAP_SHIFT = 146;
uint256 constant POLICY_A_ANNUAL_CAP_SHIFT = 182;
uint256 constant POLICY_A_REVIEW_THRESHOLD_SHIFT = 218;
uint256 constant POLICY_A_EXISTS_SHIFT = 255;

// ---------------------------------------------------------------- policy word B
// crossCut 0..13 | ipRatio[1..3] 14..55 (14 each) | ipDeductible[1..3] 56..151 (32 each)
// | appealDays 152..167. Bit 255 is never stored: the claim path sets it on its copy of word B
// when the ratio takes the cross-region cut.
uint256 constant POLICY_B_CROSS_CUT_SHIFT = 0;
/// @dev ipRatio of level L (1..3) at BPS_BITS·L: place 0 of the four 14-bit places is crossCut's.
uint256 constant POLICY_B_IP_RATIO_SHIFT = 0;
/// @dev ipDeductible of level L (1..3) at POLICY_B_IP_DEDUCTIBLE_SHIFT + 32·(L − 1).
uint256 constant POLICY_B_IP_DEDUCTIBLE_SHIFT = 56;
uint256 constant POLICY_B_IP_DEDUCTIBLE_BITS = 32;
uint256 constant POLICY_B_IP_DEDUCTIBLE_MASK = M32;
uint256 constant POLICY_B_APPEAL_DAYS_SHIFT = 152;
uint256 constant POLICY_B_APPEAL_DAYS_MASK = M16;
uint256 constant POLICY_B_CROSS_FLAG_SHIFT = 255;

/// @dev Key of a region × scheme's policy versions: region << 8 | scheme.
uint256 constant POLICY_KEY_REGION_SHIFT = 8;

// ---------------------------------------------------------------- catalogue item
// exists 0 | category 1..2 | inpatientOnly 3 | maxQty 8..39 | minInterval 40..55 | priceCap 64..127
uint256 constant ITEM_EXISTS = 1;
uint256 constant ITEM_CATEGORY_SHIFT = 1;
uint256 constant ITEM_CATEGORY_MASK = 0x3;
uint256 constant ITEM_INPATIENT_ONLY_SHIFT = 3;
uint256 constant ITEM_MAX_QTY_SHIFT = 8;
uint256 constant ITEM_MAX_QTY_MASK = M32;
uint256 constant ITEM_INTERVAL_SHIFT = 40;
uint256 constant ITEM_INTERVAL_MASK = M16;
uint256 constant ITEM_PRICE_CAP_SHIFT = 64;
uint256 constant ITEM_PRICE_CAP_MASK = M64;

// ---------------------------------------------------------------- counters (person × year)
// deductibleUsed 0..47 | fundUsed 48..95 | opFundUsed 96..143 | visits[12] 144..251 (9 bits
// each, saturating at 511). Keyed by member << 16 | year.
uint256 constant COUNTER_DEDUCTIBLE_SHIFT = 0;
uint256 constant COUNTER_FUND_SHIFT = 48;
uint256 constant COUNTER_OP_FUND_SHIFT = 96;
uint256 constant COUNTER_MASK = M48;
/// @dev The visits of month m (1..12) at COUNTER_VISITS_SHIFT + COUNTER_VISIT_BITS·(m − 1).
uint256 constant COUNTER_VISITS_SHIFT = 144;
uint256 constant COUNTER_VISIT_BITS = 9;
uint256 constant COUNTER_VISIT_MAX = 0x1ff;
uint256 constant COUNTER_KEY_MEMBER_SHIFT = 16;

// ---------------------------------------------------------------- claimExtra (flagged claims, and approved cross-region ones)
// homeRegion 0..31 | scheme 32..39 | rejectedOn 40..71 | appealed 72 | rejectedBy 96..255
uint256 constant EXTRA_HOME_SHIFT = 0;
uint256 constant EXTRA_HOME_MASK = M32;
uint256 constant EXTRA_SCHEME_SHIFT = 32;
uint256 constant EXTRA_SCHEME_MASK = M8;
uint256 constant EXTRA_REJECTED_ON_SHIFT = 40;
uint256 constant EXTRA_REJECTED_ON_MASK = M32;
uint256 constant EXTRA_APPEALED_SHIFT = 72;
uint256 constant EXTRA_REJECTED_BY_SHIFT = 96;

// ---------------------------------------------------------------- filing (IRegistry.Filing, one slot)
// solc's packing of the struct: region 0..31 | from 32..63 | to 64..95
uint256 constant FILING_REGION_SHIFT = 0;
uint256 constant FILING_FROM_SHIFT = 32;
uint256 constant FILING_TO_SHIFT = 64;
uint256 constant FILING_DAY_MASK = M32;

// ---------------------------------------------------------------- LedgerStorage.Person, slot 0
// solc's packing of the struct's first slot (tests/contracts check it against solc's layout)
uint256 constant PERSON_INDEX_SHIFT = 0;
uint256 constant PERSON_REGION_SHIFT = 32;
uint256 constant PERSON_COVERAGE_FROM_SHIFT = 64;
uint256 constant PERSON_COVERAGE_TO_SHIFT = 96;
uint256 constant PERSON_SCHEME_SHIFT = 128;
uint256 constant PERSON_STATUS_SHIFT = 136;
uint256 constant PERSON_STATUS_REASON_SHIFT = 144;
uint256 constant PERSON_FILING_COUNT_SHIFT = 152;

// ---------------------------------------------------------------- LedgerStorage.Institution, slot 0
// solc's packing of the struct's first slot (216 bits); the claim path's context word is
// this slot with today's day number above it
uint256 constant INSTITUTION_EXISTS_SHIFT = 0;
uint256 constant INSTITUTION_REGION_SHIFT = 8;
uint256 constant INSTITUTION_INDEX_SHIFT = 40;
uint256 constant INSTITUTION_LEVEL_SHIFT = 72;
uint256 constant INSTITUTION_STATUS_SHIFT = 80;
uint256 constant INSTITUTION_GRADE_SHIFT = 88;
uint256 constant INSTITUTION_FROZEN_SHIFT = 96;
uint256 constant INSTITUTION_PAYABLE_FUND_SHIFT = 104;
uint256 constant INSTITUTION_PENDING_CLAIMS_SHIFT = 168;
uint256 constant INSTITUTION_EPOCH_SHIFT = 200;
uint256 constant INSTITUTION_SLOT0_MASK = 0xffffffffffffffffffffffffffffffffffffffffffffffffffffff;
uint256 constant CONTEXT_TODAY_SHIFT = 216;

/// @title Packed — the layouts above, read and written from Solidity
library Packed {
    // ---------------------------------------------------------------- policy word A

    function effectiveFrom(uint256 a) internal pure returns (uint256) {
        return a & POLICY_A_EFFECTIVE_FROM_MASK;
    }

    function waitingDays(uint256 a) internal pure returns (uint256) {
        return (a >> POLICY_A_WAITING_SHIFT) & POLICY_A_WAITING_MASK;
    }

    function maxClaimAge(uint256 a) internal pure returns (uint256) {
        return (a >> POLICY_A_MAX_AGE_SHIFT) & POLICY_A_MAX_AGE_MASK;
    }

    function monthlyVisitLimit(uint256 a) internal pure returns (uint256) {
        return (a >> POLICY_A_VISIT_LIMIT_SHIFT) & POLICY_A_VISIT_LIMIT_MASK;
    }

    function classB(uint256 a) internal pure returns (uint256) {
        return (a >> POLICY_A_CLASS_B_SHIFT) & BPS_MASK;
    }

    /// @dev level 0..3
    function opRatio(uint256 a, uint256 level) internal pure returns (uint256) {
        unchecked {
            return (a >> (POLICY_A_OP_RATIO_SHIFT + BPS_BITS * level)) & BPS_MASK;
        }
    }

    function opDeductible(uint256 a) internal pure returns (uint256) {
        return (a >> POLICY_A_OP_DEDUCTIBLE_SHIFT) & POLICY_A_OP_DEDUCTIBLE_MASK;
    }

    function opAnnualCap(uint256 a) internal pure returns (uint256) {
        return (a >> POLICY_A_OP_ANNUAL_CAP_SHIFT) & AMOUNT_MASK;
    }

    function annualCap(uint256 a) internal pure returns (uint256) {
        return (a >> POLICY_A_ANNUAL_CAP_SHIFT) & AMOUNT_MASK;
    }

    function reviewThreshold(uint256 a) internal pure returns (uint256) {
        return (a >> POLICY_A_REVIEW_THRESHOLD_SHIFT) & AMOUNT_MASK;
    }

    // ---------------------------------------------------------------- policy word B

    function crossCut(uint256 b) internal pure returns (uint256) {
        return (b >> POLICY_B_CROSS_CUT_SHIFT) & BPS_MASK;
    }

    /// @dev level 1..3
    function ipRatio(uint256 b, uint256 level) internal pure returns (uint256) {
        unchecked {
            return (b >> (POLICY_B_IP_RATIO_SHIFT + BPS_BITS * level)) & BPS_MASK;
        }
    }

    /// @dev level 1..3
    function ipDeductible(uint256 b, uint256 level) internal pure returns (uint256) {
        unchecked {
            return (b >> (POLICY_B_IP_DEDUCTIBLE_SHIFT + POLICY_B_IP_DEDUCTIBLE_BITS * (level - 1)))
                & POLICY_B_IP_DEDUCTIBLE_MASK;
        }
    }

    function appealDays(uint256 b) internal pure returns (uint256) {
        return (b >> POLICY_B_APPEAL_DAYS_SHIFT) & POLICY_B_APPEAL_DAYS_MASK;
    }

    // ---------------------------------------------------------------- catalogue item

    function itemExists(uint256 it) internal pure returns (bool) {
        return it & ITEM_EXISTS != 0;
    }

    function itemCategory(uint256 it) internal pure returns (uint256) {
        return (it >> ITEM_CATEGORY_SHIFT) & ITEM_CATEGORY_MASK;
    }

    function itemInpatientOnly(uint256 it) internal pure returns (bool) {
        return (it >> ITEM_INPATIENT_ONLY_SHIFT) & 1 != 0;
    }

    function itemMaxQty(uint256 it) internal pure returns (uint256) {
        return (it >> ITEM_MAX_QTY_SHIFT) & ITEM_MAX_QTY_MASK;
    }

    function itemMinInterval(uint256 it) internal pure returns (uint256) {
        return (it >> ITEM_INTERVAL_SHIFT) & ITEM_INTERVAL_MASK;
    }

    function itemPriceCap(uint256 it) internal pure returns (uint256) {
        return (it >> ITEM_PRICE_CAP_SHIFT) & ITEM_PRICE_CAP_MASK;
    }

    function packItem(uint8 category, bool inpatientOnly, uint32 maxQty, uint16 minInterval, uint64 priceCap)
        internal
        pure
        returns (uint256)
    {
        return ITEM_EXISTS | (uint256(category) << ITEM_CATEGORY_SHIFT)
            | (inpatientOnly ? 1 << ITEM_INPATIENT_ONLY_SHIFT : 0) | (uint256(maxQty) << ITEM_MAX_QTY_SHIFT)
            | (uint256(minInterval) << ITEM_INTERVAL_SHIFT) | (uint256(priceCap) << ITEM_PRICE_CAP_SHIFT);
    }

    // ---------------------------------------------------------------- claim

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
        return (c.status << CLAIM_STATUS_SHIFT) | (c.reason << CLAIM_REASON_SHIFT) | (c.flags << CLAIM_FLAGS_SHIFT)
            | (c.visit << CLAIM_VISIT_SHIFT) | (c.serviceDay << CLAIM_DAY_SHIFT) | (c.member << CLAIM_MEMBER_SHIFT)
            | (c.institution << CLAIM_INSTITUTION_SHIFT) | (c.epoch << CLAIM_EPOCH_SHIFT)
            | (c.billed << CLAIM_BILLED_SHIFT) | (c.eligible << CLAIM_ELIGIBLE_SHIFT)
            | (c.deductible << CLAIM_DEDUCTIBLE_SHIFT) | (c.fund << CLAIM_FUND_SHIFT);
    }

    function unpackClaim(uint256 w) internal pure returns (Claim memory c) {
        c.status = (w >> CLAIM_STATUS_SHIFT) & CLAIM_STATUS_MASK;
        c.reason = (w >> CLAIM_REASON_SHIFT) & CLAIM_REASON_MASK;
        c.flags = (w >> CLAIM_FLAGS_SHIFT) & CLAIM_FLAGS_MASK;
        c.visit = (w >> CLAIM_VISIT_SHIFT) & CLAIM_VISIT_MASK;
        c.serviceDay = (w >> CLAIM_DAY_SHIFT) & CLAIM_DAY_MASK;
        c.member = (w >> CLAIM_MEMBER_SHIFT) & CLAIM_MEMBER_MASK;
        c.institution = (w >> CLAIM_INSTITUTION_SHIFT) & CLAIM_INSTITUTION_MASK;
        c.epoch = (w >> CLAIM_EPOCH_SHIFT) & CLAIM_EPOCH_MASK;
        c.billed = (w >> CLAIM_BILLED_SHIFT) & AMOUNT_MASK;
        c.eligible = (w >> CLAIM_ELIGIBLE_SHIFT) & AMOUNT_MASK;
        c.deductible = (w >> CLAIM_DEDUCTIBLE_SHIFT) & AMOUNT_MASK;
        c.fund = (w >> CLAIM_FUND_SHIFT) & AMOUNT_MASK;
    }

    // ---------------------------------------------------------------- counters (person × year)

    function counterKey(uint256 member, uint256 year) internal pure returns (uint64) {
        return uint64((member << COUNTER_KEY_MEMBER_SHIFT) | year);
    }

    function dedUsed(uint256 k) internal pure returns (uint256) {
        return (k >> COUNTER_DEDUCTIBLE_SHIFT) & COUNTER_MASK;
    }

    function fundUsed(uint256 k) internal pure returns (uint256) {
        return (k >> COUNTER_FUND_SHIFT) & COUNTER_MASK;
    }

    function opFundUsed(uint256 k) internal pure returns (uint256) {
        return (k >> COUNTER_OP_FUND_SHIFT) & COUNTER_MASK;
    }

    /// @dev The bit offset of month 1..12's visit count.
    function visitsShift(uint256 month) internal pure returns (uint256) {
        unchecked {
            return COUNTER_VISITS_SHIFT + COUNTER_VISIT_BITS * (month - 1);
        }
    }

    /// @dev month 1..12
    function visits(uint256 k, uint256 month) internal pure returns (uint256) {
        return (k >> visitsShift(month)) & COUNTER_VISIT_MAX;
    }

    // ---------------------------------------------------------------- claimExtra

    function extraHome(uint256 x) internal pure returns (uint256) {
        return (x >> EXTRA_HOME_SHIFT) & EXTRA_HOME_MASK;
    }

    function extraScheme(uint256 x) internal pure returns (uint256) {
        return (x >> EXTRA_SCHEME_SHIFT) & EXTRA_SCHEME_MASK;
    }

    function extraRejectedOn(uint256 x) internal pure returns (uint256) {
        return (x >> EXTRA_REJECTED_ON_SHIFT) & EXTRA_REJECTED_ON_MASK;
    }

    function extraAppealed(uint256 x) internal pure returns (bool) {
        return (x >> EXTRA_APPEALED_SHIFT) & 1 != 0;
    }

    function extraRejectedBy(uint256 x) internal pure returns (address) {
        return address(uint160(x >> EXTRA_REJECTED_BY_SHIFT));
    }
}
