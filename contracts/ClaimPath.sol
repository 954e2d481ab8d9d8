// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {LedgerStorage} from "./LedgerStorage.sol";
import {IClaims} from "./interfaces/IClaims.sol";
import {IRegistry} from "./interfaces/IRegistry.sol";
import {
    STATUS_APPROVED, STATUS_REJECTED, REASON_DUPLICATE, REASON_INSTITUTION_INACTIVE,
    REASON_NOT_ENROLLED, REASON_PATIENT_INACTIVE, REASON_FUTURE_SERVICE, REASON_NOT_COVERED,
    REASON_NO_POLICY, REASON_STALE_CLAIM, REASON_WAITING_PERIOD, REASON_OVERCLAIM, FLAG_VISIT_LIMIT,
    FLAG_REVIEW_THRESHOLD, FLAG_INSTITUTION_GRADE, NOTE_NOT_IN_CATALOGUE, NOTE_CATEGORY_C,
    NOTE_INPATIENT_ONLY, NOTE_TOO_SOON, NOTE_PRICE_CAPPED, NOTE_QTY_CAPPED, ALERT_DUPLICATE,
    ALERT_OVERCLAIM, ALERT_VISIT_LIMIT, ALERT_REVIEW_THRESHOLD, ALERT_INSTITUTION_GRADE,
    VISIT_INPATIENT, VISIT_PHARMACY, CATEGORY_B, CATEGORY_C, GRADE_C, GRADE_D, GRADE_E
} from "./libraries/Codes.sol";
import {
    M8, M16, M24, M32, M64, M128, BPS, BPS_BITS, BPS_MASK, AMOUNT_MASK, CLAIM_STATUS_MASK, CLAIM_REASON_SHIFT,
    CLAIM_FLAGS_SHIFT, CLAIM_VISIT_SHIFT, CLAIM_VISIT_MASK, CLAIM_DAY_SHIFT, CLAIM_DAY_MASK,
    CLAIM_MEMBER_SHIFT, CLAIM_MEMBER_MASK, CLAIM_INSTITUTION_SHIFT, CLAIM_INSTITUTION_MASK,
    CLAIM_EPOCH_SHIFT, CLAIM_EPOCH_MASK, CLAIM_BILLED_SHIFT, CLAIM_ELIGIBLE_SHIFT,
    CLAIM_DEDUCTIBLE_SHIFT, CLAIM_FUND_SHIFT, LINE_ELIGIBLE_SHIFT, LINE_RESULT_BITS,
    LINE_RESULTS_PER_WORD, WIRE_INVOICE, WIRE_PERSON, WIRE_META, WIRE_HEAD, META_VISIT_MASK, META_DAY_SHIFT,
    META_DISCHARGE_SHIFT, META_DAY_MASK, META_LINES_SHIFT, META_LINES_MASK, META_CLAIMED_GIVEN_SHIFT,
    META_CLAIMED_SHIFT, META_CLAIMED_MASK, META_UNUSED_MASK, WIRE_QTY_MASK, WIRE_LINE_UNUSED_MASK, WIRE_PRICE_SHIFT, WIRE_PRICE_MASK,
    POLICY_A_EFFECTIVE_FROM_MASK, POLICY_A_WAITING_SHIFT, POLICY_A_WAITING_MASK, POLICY_A_MAX_AGE_SHIFT,
    POLICY_A_MAX_AGE_MASK, POLICY_A_VISIT_LIMIT_SHIFT, POLICY_A_VISIT_LIMIT_MASK,
    POLICY_A_CLASS_B_SHIFT, POLICY_A_OP_RATIO_SHIFT, POLICY_A_OP_DEDUCTIBLE_SHIFT,
    POLICY_A_OP_DEDUCTIBLE_MASK, POLICY_A_OP_ANNUAL_CAP_SHIFT, POLICY_A_ANNUAL_CAP_SHIFT,
    POLICY_A_REVIEW_THRESHOLD_SHIFT, POLICY_B_CROSS_CUT_SHIFT, POLICY_B_IP_RATIO_SHIFT,
    POLICY_B_IP_DEDUCTIBLE_SHIFT, POLICY_B_IP_DEDUCTIBLE_BITS, POLICY_B_IP_DEDUCTIBLE_MASK,
    POLICY_B_CROSS_FLAG_SHIFT, POLICY_KEY_REGION_SHIFT, ITEM_EXISTS, ITEM_CATEGORY_SHIFT,
    ITEM_CATEGORY_MASK, ITEM_INPATIENT_ONLY_SHIFT, ITEM_MAX_QTY_SHIFT, ITEM_MAX_QTY_MASK,
    ITEM_INTERVAL_SHIFT, ITEM_INTERVAL_MASK, ITEM_PRICE_CAP_SHIFT, ITEM_PRICE_CAP_MASK,
    COUNTER_DEDUCTIBLE_SHIFT, COUNTER_FUND_SHIFT, COUNTER_OP_FUND_SHIFT, COUNTER_MASK,
    COUNTER_VISITS_SHIFT, COUNTER_VISIT_BITS, COUNTER_VISIT_MAX, COUNTER_KEY_MEMBER_SHIFT,
    EXTRA_HOME_SHIFT, EXTRA_SCHEME_SHIFT, FILING_REGION_SHIFT, FILING_FROM_SHIFT, FILING_TO_SHIFT,
    FILING_DAY_MASK, PERSON_INDEX_SHIFT, PERSON_REGION_SHIFT, PERSON_COVERAGE_FROM_SHIFT,
    PERSON_COVERAGE_TO_SHIFT, PERSON_SCHEME_SHIFT, PERSON_STATUS_SHIFT, PERSON_FILING_COUNT_SHIFT,
    INSTITUTION_REGION_SHIFT, INSTITUTION_INDEX_SHIFT, INSTITUTION_LEVEL_SHIFT,
    INSTITUTION_STATUS_SHIFT, INSTITUTION_GRADE_SHIFT, INSTITUTION_EPOCH_SHIFT, CONTEXT_TODAY_SHIFT
} from "./libraries/Packed.sol";

/// @title ClaimPath — the decision of one claim, in Yul
/// @notice The claim path, in Yul: the same logic in Solidity takes about 7,300 gas of
/// execution per claim, much of it moving variables between stack and memory; this takes about
/// 5,100. Each Yul function below is one step of adjudication.md, sized so that its variables
/// stay on the stack. The money math (eligibleOf, money, capTo, flagsOf) is pure: no storage, no side
/// effects. The differential tests hold the whole path to the Python reference model
/// (python/yibao/model) claim by claim, to the fen.
///
/// Every bit layout it reads or writes (claim, policy, item, counter, filing and claimExtra
/// words, the claim's wire format, the Person and Institution slots) is named in Packed.sol;
/// every status, reason, flag, note and alert number in Codes.sol.
abstract contract ClaimPath is LedgerStorage, IClaims {
    // storage slots of the Layout members the claim path uses: S_<MEMBER> is member `member`
    // (checked in the constructor and, against solc's layout, by tests/contracts)
    uint256 private constant S_PEOPLE = 0xe264cb13ac31513d5bdd6a5f4c66fa80c77cfadec84201fb2f12841d9c1a1e05;
    uint256 private constant S_FILINGS = 0xe264cb13ac31513d5bdd6a5f4c66fa80c77cfadec84201fb2f12841d9c1a1e06;
    uint256 private constant S_POLICY_VERSIONS = 0xe264cb13ac31513d5bdd6a5f4c66fa80c77cfadec84201fb2f12841d9c1a1e07;
    uint256 private constant S_LATEST_POLICY = 0xe264cb13ac31513d5bdd6a5f4c66fa80c77cfadec84201fb2f12841d9c1a1e08;
    uint256 private constant S_ITEMS = 0xe264cb13ac31513d5bdd6a5f4c66fa80c77cfadec84201fb2f12841d9c1a1e09;
    uint256 private constant S_CLAIMS = 0xe264cb13ac31513d5bdd6a5f4c66fa80c77cfadec84201fb2f12841d9c1a1e0a;
    uint256 private constant S_COUNTERS = 0xe264cb13ac31513d5bdd6a5f4c66fa80c77cfadec84201fb2f12841d9c1a1e0b;
    uint256 private constant S_LAST_SERVICE = 0xe264cb13ac31513d5bdd6a5f4c66fa80c77cfadec84201fb2f12841d9c1a1e0c;
    uint256 private constant S_CLAIM_EXTRA = 0xe264cb13ac31513d5bdd6a5f4c66fa80c77cfadec84201fb2f12841d9c1a1e0e;

    // event topics and error selectors used from Yul (checked in the constructor)
    uint256 private constant T_DECIDED = 0x3b8eb61d8f3f7c45e813d9f0c452dec63fdf7b554bf462a7815538f376162ca9;
    uint256 private constant T_LINES = 0xcc6998d3f792a44e2bafd1c31df3ba2b58641004c7c890d0ff75437196a82afe;
    uint256 private constant T_ALERT = 0x23cbe1c4f71641f07f95d0e42a067069a154d2ee341b485874f05562597b96f1;
    uint256 private constant E_TRUNCATED = 0x199aea14;
    uint256 private constant E_DATE = 0x7b712d10;
    uint256 private constant E_NO_LINES = 0xdd297ea1;
    uint256 private constant E_QTY_ZERO = 0x176ed0f6;
    uint256 private constant E_TOO_LARGE = 0x52917028;
    uint256 private constant E_VISIT = 0xa1b462d4;
    uint256 private constant E_DISCHARGE_MISSING = 0x3dd89b7d;
    uint256 private constant E_DISCHARGE_BEFORE = 0x4b81814c;
    uint256 private constant E_NOT_OFFERED = 0xbf6bd30d;
    uint256 private constant E_DISCHARGE_NOT_IP = 0x592b4fe4;
    uint256 private constant E_WORD = 0xb63bc99c;
    uint256 private constant E_INVOICE = 0xc00dfa89;
    uint256 private constant BYTE_ONES = 0x0101010101010101010101010101010101010101010101010101010101010101;
    uint256 private constant BYTE_HIGHS = 0x8080808080808080808080808080808080808080808080808080808080808080;

    /// @dev The constants above agree with the compiler's layout and signatures.
    function _checkConstants() internal view {
        Layout storage l = _layout();
        uint256[9] memory slots;
        uint256[9] memory expected = [
            S_PEOPLE,
            S_FILINGS,
            S_POLICY_VERSIONS,
            S_LATEST_POLICY,
            S_ITEMS,
            S_CLAIMS,
            S_COUNTERS,
            S_LAST_SERVICE,
            S_CLAIM_EXTRA
        ];
        {
            mapping(bytes32 => Person) storage people = l.people;
            mapping(bytes32 => IRegistry.Filing[MAX_FILINGS]) storage filings = l.filings;
            mapping(uint64 => uint256[2][]) storage versions = l.policyVersions;
            mapping(uint64 => uint256[2]) storage latest = l.latestPolicy;
            mapping(uint32 => mapping(bytes32 => uint256)) storage items = l.items;
            mapping(bytes32 => uint256) storage claims = l.claims;
            mapping(uint64 => uint256) storage counters = l.counters;
            mapping(uint32 => mapping(bytes32 => uint32)) storage last = l.lastService;
            mapping(bytes32 => uint256) storage extra = l.claimExtra;
            assembly ("memory-safe") {
                mstore(slots, people.slot)
                mstore(add(slots, 0x20), filings.slot)
                mstore(add(slots, 0x40), versions.slot)
                mstore(add(slots, 0x60), latest.slot)
                mstore(add(slots, 0x80), items.slot)
                mstore(add(slots, 0xa0), claims.slot)
                mstore(add(slots, 0xc0), counters.slot)
                mstore(add(slots, 0xe0), last.slot)
                mstore(add(slots, 0x100), extra.slot)
            }
        }
        for (uint256 i; i < 9; ++i) {
            assert(slots[i] == expected[i]);
        }
        assert(bytes32(T_DECIDED) == ClaimDecided.selector);
        assert(bytes32(T_LINES) == ClaimLines.selector);
        assert(bytes32(T_ALERT) == Alert.selector);
        assert(bytes4(uint32(E_TRUNCATED)) == ClaimTruncated.selector);
        assert(bytes4(uint32(E_DATE)) == ClaimDateInvalid.selector);
        assert(bytes4(uint32(E_NO_LINES)) == ClaimWithoutLines.selector);
        assert(bytes4(uint32(E_QTY_ZERO)) == ClaimLineQuantityZero.selector);
        assert(bytes4(uint32(E_TOO_LARGE)) == ClaimAmountTooLarge.selector);
        assert(bytes4(uint32(E_VISIT)) == VisitTypeInvalid.selector);
        assert(bytes4(uint32(E_DISCHARGE_MISSING)) == DischargeMissing.selector);
        assert(bytes4(uint32(E_DISCHARGE_BEFORE)) == DischargeBeforeAdmission.selector);
        assert(bytes4(uint32(E_NOT_OFFERED)) == VisitTypeNotOffered.selector);
        assert(bytes4(uint32(E_DISCHARGE_NOT_IP)) == DischargeNotInpatient.selector);
        assert(bytes4(uint32(E_WORD)) == ClaimWordMalformed.selector);
        assert(bytes4(uint32(E_INVOICE)) == InvoiceMalformed.selector);
    }

    /// @dev Decide, record and announce the claim starting at word `start` (adjudication.md
    /// §1–§8). `ctx` is the institution's slot 0 with today's day number at CONTEXT_TODAY_SHIFT.
    /// Returns the next claim's offset, the claim id, the status, the fund share when APPROVED
    /// (else 0) and, for an approved share owed by another home region, that region (else 0).
    function _decide(uint256 ctx, bytes32[] calldata words, uint256 start)
        internal
        returns (uint256 next, bytes32 id, uint256 st, uint256 paid, uint256 crossHome)
    {
        assembly ("memory-safe") {
            // ------------------------------------------------------------ helpers
            // Revert payloads longer than the scratch space (0x00–0x3f) are built at the free
            // memory pointer, which they do not move.
            function fail1(sel, a) {
                mstore(0, shl(224, sel))
                mstore(4, a)
                revert(0, 0x24)
            }
            function fail2(sel, a, b) {
                let p := mload(0x40)
                mstore(p, shl(224, sel))
                mstore(add(p, 4), a)
                mstore(add(p, 0x24), b)
                revert(p, 0x44)
            }
            function fail3(sel, a, b, c) {
                let p := mload(0x40)
                mstore(p, shl(224, sel))
                mstore(add(p, 4), a)
                mstore(add(p, 0x24), b)
                mstore(add(p, 0x44), c)
                revert(p, 0x64)
            }
            function keyed(key, slot) -> s {
                mstore(0, key)
                mstore(0x20, slot)
                s := keccak256(0, 0x40)
            }
            /// ClaimDecided(cid, w, lines word 0): the decision word goes at the free memory
            /// pointer, the line words after it (scratch: the pointer is not moved).
            function announce(cid, w) {
                let p := mload(0x40)
                mstore(p, w)
                log2(p, 0x40, T_DECIDED, cid)
            }
            function alert(cid, kind) {
                log4(0, 0, T_ALERT, cid, kind, caller())
            }
            /// A rejected claim word: status REJECTED and the reason.
            function rejected(w, reason) -> r {
                r := or(w, or(STATUS_REJECTED, shl(CLAIM_REASON_SHIFT, reason)))
            }

            // ------------------------------------------------------------ malformed input
            /// Checks the claim's shape; reverts with a named error. Returns the next offset,
            /// the id, the meta word and the billed total.
            /// The canonical key of an invoice word, as Words.invoiceKey states it (the same
            /// steps; tests hold the two to each other): a raw number is hashed, a marked hash
            /// taken as is, anything else reverts InvoiceMalformed.
            function invoiceKey(word) -> key {
                switch and(word, M8)
                case 0 {
                    let w := word
                    let tz := 0
                    if iszero(and(w, M128)) {
                        tz := 16
                        w := shr(128, w)
                    }
                    if iszero(and(w, M64)) {
                        tz := add(tz, 8)
                        w := shr(64, w)
                    }
                    if iszero(and(w, M32)) {
                        tz := add(tz, 4)
                        w := shr(32, w)
                    }
                    if iszero(and(w, M16)) {
                        tz := add(tz, 2)
                        w := shr(16, w)
                    }
                    if iszero(and(w, M8)) { tz := add(tz, 1) }
                    let x := or(word, sub(shl(shl(3, tz), 1), 1))
                    if or(iszero(word), and(and(sub(x, BYTE_ONES), not(x)), BYTE_HIGHS)) { fail1(E_INVOICE, word) }
                    mstore(0, word)
                    key := or(keccak256(0, sub(32, tz)), 1)
                }
                default {
                    if iszero(and(word, 1)) { fail1(E_INVOICE, word) }
                    key := word
                }
            }
            function parse(base, n, o, level) -> nxt, cid, meta, billed {
                if gt(add(o, WIRE_HEAD), n) { fail1(E_TRUNCATED, o) }
                meta := calldataload(add(base, shl(5, add(o, WIRE_META))))
                // no stray bits: none outside the fields, no claimed fund without its flag
                let given := and(shr(META_CLAIMED_GIVEN_SHIFT, meta), 1)
                if or(and(meta, META_UNUSED_MASK), and(iszero(given), gt(shr(META_CLAIMED_SHIFT, meta), 0))) {
                    fail1(E_WORD, add(o, WIRE_META))
                }
                let nl := and(shr(META_LINES_SHIFT, meta), META_LINES_MASK)
                nxt := add(add(o, WIRE_HEAD), shl(1, nl))
                if gt(nxt, n) { fail1(E_TRUNCATED, o) }
                cid := keyed(caller(), invoiceKey(calldataload(add(base, shl(5, add(o, WIRE_INVOICE))))))
                if iszero(nl) { fail1(E_NO_LINES, cid) }
                // quantity < 2**32, price < 2**64, at most 255 lines: no overflow
                let p := add(base, shl(5, add(o, add(WIRE_HEAD, 1))))
                for { let i := 0 } lt(i, nl) { i := add(i, 1) } {
                    let qp := calldataload(add(p, shl(6, i)))
                    if and(qp, WIRE_LINE_UNUSED_MASK) { fail1(E_WORD, add(add(o, WIRE_HEAD), add(shl(1, i), 1))) }
                    let q := and(qp, WIRE_QTY_MASK)
                    if iszero(q) { fail2(E_QTY_ZERO, cid, i) }
                    billed := add(billed, mul(q, and(shr(WIRE_PRICE_SHIFT, qp), WIRE_PRICE_MASK)))
                }
                if gt(billed, AMOUNT_MASK) { fail1(E_TOO_LARGE, cid) }
                let visit := and(meta, META_VISIT_MASK)
                if gt(visit, VISIT_PHARMACY) { fail2(E_VISIT, cid, visit) }
                let day := and(shr(META_DAY_SHIFT, meta), META_DAY_MASK)
                let discharge := and(shr(META_DISCHARGE_SHIFT, meta), META_DAY_MASK)
                if gt(day, CLAIM_DAY_MASK) { fail2(E_DATE, cid, day) }
                if gt(discharge, CLAIM_DAY_MASK) { fail2(E_DATE, cid, discharge) }
                switch visit
                case 1 /* VISIT_INPATIENT */ {
                    if iszero(discharge) { fail1(E_DISCHARGE_MISSING, cid) }
                    if lt(discharge, day) { fail3(E_DISCHARGE_BEFORE, cid, day, discharge) }
                    if iszero(level) { fail2(E_NOT_OFFERED, cid, VISIT_INPATIENT) }
                }
                default { if discharge { fail1(E_DISCHARGE_NOT_IP, cid) } }
            }

            // ------------------------------------------------------------ §1 claim checks
            /// The policy version in force on `day` for `key` (region × scheme, Packed.sol):
            /// the slot of its word A (word B follows) and word A, or zeros. The newest version
            /// is kept at a fixed key; older service days search the versions (log₂ of their
            /// number).
            function policyAt(key, day) -> s, a {
                s := keyed(key, S_LATEST_POLICY)
                a := sload(s)
                if iszero(a) {
                    s := 0
                    leave
                }
                if gt(and(a, POLICY_A_EFFECTIVE_FROM_MASK), day) {
                    let head := keyed(key, S_POLICY_VERSIONS)
                    let hi := sload(head)
                    mstore(0, head)
                    let data := keccak256(0, 0x20)
                    let lo := 0
                    for {} lt(lo, hi) {} {
                        let mid := shr(1, add(lo, hi))
                        switch gt(and(sload(add(data, shl(1, mid))), POLICY_A_EFFECTIVE_FROM_MASK), day)
                        case 1 { hi := mid }
                        default { lo := add(mid, 1) }
                    }
                    s := 0
                    a := 0
                    if lo {
                        s := add(data, shl(1, sub(lo, 1)))
                        a := sload(s)
                    }
                }
            }
            /// The first failing check's reason (0: none); then policy word A of the version in
            /// force and, for an inpatient or cross-region claim, its word B (the cross flag set
            /// when the ratio takes the cross-region cut: another home region and no filing here).
            function checks(inst, pw, meta, person) -> reason, a, b {
                // institution ACTIVE and not grade E
                if or(and(shr(INSTITUTION_STATUS_SHIFT, inst), M8), eq(and(shr(INSTITUTION_GRADE_SHIFT, inst), M8), GRADE_E)) {
                    reason := REASON_INSTITUTION_INACTIVE
                    leave
                }
                if iszero(and(shr(PERSON_INDEX_SHIFT, pw), M32)) {
                    reason := REASON_NOT_ENROLLED
                    leave
                }
                if and(shr(PERSON_STATUS_SHIFT, pw), M8) {
                    reason := REASON_PATIENT_INACTIVE
                    leave
                }
                let today := shr(CONTEXT_TODAY_SHIFT, inst)
                let day := and(shr(META_DAY_SHIFT, meta), META_DAY_MASK)
                if or(gt(day, today), gt(and(shr(META_DISCHARGE_SHIFT, meta), META_DAY_MASK), today)) {
                    reason := REASON_FUTURE_SERVICE
                    leave
                }
                let from := and(shr(PERSON_COVERAGE_FROM_SHIFT, pw), M32)
                if or(lt(day, from), gt(day, and(shr(PERSON_COVERAGE_TO_SHIFT, pw), M32))) {
                    reason := REASON_NOT_COVERED
                    leave
                }
                let pslot
                pslot, a := policyAt(
                    or(shl(POLICY_KEY_REGION_SHIFT, and(shr(PERSON_REGION_SHIFT, pw), M32)), and(shr(PERSON_SCHEME_SHIFT, pw), M8)),
                    day
                )
                if iszero(a) {
                    reason := REASON_NO_POLICY
                    leave
                }
                // day ≤ today here
                if gt(sub(today, day), and(shr(POLICY_A_MAX_AGE_SHIFT, a), POLICY_A_MAX_AGE_MASK)) {
                    reason := REASON_STALE_CLAIM
                    leave
                }
                if lt(day, add(from, and(shr(POLICY_A_WAITING_SHIFT, a), POLICY_A_WAITING_MASK))) {
                    reason := REASON_WAITING_PERIOD
                    leave
                }
                let region := and(shr(INSTITUTION_REGION_SHIFT, inst), M32)
                let cross := 0
                if iszero(eq(and(shr(PERSON_REGION_SHIFT, pw), M32), region)) {
                    cross := iszero(hasFiling(person, and(shr(PERSON_FILING_COUNT_SHIFT, pw), M8), region, day))
                }
                if or(eq(and(meta, META_VISIT_MASK), VISIT_INPATIENT), cross) {
                    b := or(sload(add(pslot, 1)), shl(POLICY_B_CROSS_FLAG_SHIFT, cross))
                }
            }
            function hasFiling(person, count, region, day) -> yes {
                let fs := keyed(person, S_FILINGS)
                for { let i := 0 } lt(i, count) { i := add(i, 1) } {
                    let f := sload(add(fs, i))
                    if and(
                        eq(and(shr(FILING_REGION_SHIFT, f), M32), region),
                        iszero(or(gt(and(shr(FILING_FROM_SHIFT, f), FILING_DAY_MASK), day), lt(and(shr(FILING_TO_SHIFT, f), FILING_DAY_MASK), day)))
                    ) {
                        yes := 1
                        leave
                    }
                }
            }

            // ------------------------------------------------------------ §2 lines
            /// TOO_SOON: an earlier line of the claim has the same code, or the person's last
            /// eligible service of it is less than `interval` days before this one.
            function tooSoon(first, i, code, interval, cw) -> soon {
                for { let j := 0 } lt(j, i) { j := add(j, 1) } {
                    if eq(calldataload(add(first, shl(6, j))), code) {
                        soon := 1
                        leave
                    }
                }
                let last := and(sload(keyed(code, keyed(and(shr(CLAIM_MEMBER_SHIFT, cw), CLAIM_MEMBER_MASK), S_LAST_SERVICE))), M32)
                soon := and(iszero(iszero(last)), lt(and(shr(CLAIM_DAY_SHIFT, cw), CLAIM_DAY_MASK), add(last, interval)))
            }
            /// A line that passed the checks: cap price and quantity, keep the class-B share.
            function eligibleOf(item, qp, classB) -> el, notes {
                let q := and(qp, WIRE_QTY_MASK)
                let price := and(shr(WIRE_PRICE_SHIFT, qp), WIRE_PRICE_MASK)
                let cap := and(shr(ITEM_PRICE_CAP_SHIFT, item), ITEM_PRICE_CAP_MASK)
                if cap {
                    if gt(price, cap) {
                        price := cap
                        notes := NOTE_PRICE_CAPPED
                    }
                }
                let maxQty := and(shr(ITEM_MAX_QTY_SHIFT, item), ITEM_MAX_QTY_MASK)
                if maxQty {
                    if gt(q, maxQty) {
                        q := maxQty
                        notes := or(notes, NOTE_QTY_CAPPED)
                    }
                }
                el := mul(q, price)
                if eq(and(shr(ITEM_CATEGORY_SHIFT, item), ITEM_CATEGORY_MASK), CATEGORY_B) {
                    el := div(mul(el, sub(BPS, classB)), BPS)
                }
            }
            /// Line `i`: its eligible amount, notes, and 1 when its service day is to be recorded.
            function lineOf(first, i, visit, cw, classB, catalogue) -> el, notes, rec {
                let at := add(first, shl(6, i))
                let code := calldataload(at)
                let item := sload(keyed(code, catalogue))
                if iszero(and(item, ITEM_EXISTS)) {
                    notes := NOTE_NOT_IN_CATALOGUE
                    leave
                }
                if eq(and(shr(ITEM_CATEGORY_SHIFT, item), ITEM_CATEGORY_MASK), CATEGORY_C) {
                    notes := NOTE_CATEGORY_C
                    leave
                }
                if and(iszero(eq(visit, VISIT_INPATIENT)), and(shr(ITEM_INPATIENT_ONLY_SHIFT, item), 1)) {
                    notes := NOTE_INPATIENT_ONLY
                    leave
                }
                let interval := and(shr(ITEM_INTERVAL_SHIFT, item), ITEM_INTERVAL_MASK)
                if interval {
                    if tooSoon(first, i, code, interval, cw) {
                        // slither-disable-next-line write-after-write (`leave` follows: the later write is on the other path)
                        notes := NOTE_TOO_SOON
                        leave
                    }
                    rec := 1
                }
                el, notes := eligibleOf(item, calldataload(add(at, 0x20)), classB)
            }
            /// Every line in order: E and a bit per line whose service day is to be recorded.
            /// The line results (Packed.sol, LINE_*) go after the decision word in the free
            /// memory (see `announce`).
            function lines(first, meta, cw, a, inst) -> e, record {
                let nl := and(shr(META_LINES_SHIFT, meta), META_LINES_MASK)
                let visit := and(meta, META_VISIT_MASK)
                let classB := and(shr(POLICY_A_CLASS_B_SHIFT, a), BPS_MASK)
                let catalogue := keyed(and(shr(INSTITUTION_REGION_SHIFT, inst), M32), S_ITEMS)
                let out := add(mload(0x40), 0x20)
                for { let i := 0 } lt(i, nl) { i := add(i, 1) } {
                    let el, notes, rec := lineOf(first, i, visit, cw, classB, catalogue)
                    e := add(e, el)
                    record := or(record, shl(i, rec))
                    let pos := mod(i, LINE_RESULTS_PER_WORD)
                    let word := add(out, shl(5, div(i, LINE_RESULTS_PER_WORD)))
                    let v := shl(mul(LINE_RESULT_BITS, pos), or(notes, shl(LINE_ELIGIBLE_SHIFT, el)))
                    if pos { v := or(v, mload(word)) }
                    mstore(word, v)
                }
            }

            // ------------------------------------------------------------ §3–§8
            function capTo(amount, cap, used) -> v {
                let left := 0
                if gt(cap, used) { left := sub(cap, used) }
                v := amount
                if lt(left, amount) { v := left }
            }
            /// §3 deductible, §4 ratio (less the cross-region cut), §5 fund share within the caps.
            function money(visit, e, a, b, level, k) -> d, f {
                let r
                switch visit
                case 1 /* VISIT_INPATIENT */ {
                    d := and(
                        shr(add(POLICY_B_IP_DEDUCTIBLE_SHIFT, mul(POLICY_B_IP_DEDUCTIBLE_BITS, sub(level, 1))), b),
                        POLICY_B_IP_DEDUCTIBLE_MASK
                    )
                    r := and(shr(add(POLICY_B_IP_RATIO_SHIFT, mul(BPS_BITS, level)), b), BPS_MASK)
                }
                default {
                    let annual := and(shr(POLICY_A_OP_DEDUCTIBLE_SHIFT, a), POLICY_A_OP_DEDUCTIBLE_MASK)
                    let used := and(shr(COUNTER_DEDUCTIBLE_SHIFT, k), COUNTER_MASK)
                    if gt(annual, used) { d := sub(annual, used) }
                    r := and(shr(add(POLICY_A_OP_RATIO_SHIFT, mul(BPS_BITS, level)), a), BPS_MASK)
                }
                if gt(d, e) { d := e }
                if shr(POLICY_B_CROSS_FLAG_SHIFT, b) {
                    let c := and(shr(POLICY_B_CROSS_CUT_SHIFT, b), BPS_MASK)
                    switch gt(r, c)
                    case 1 { r := sub(r, c) }
                    default { r := 0 }
                }
                f := div(mul(sub(e, d), r), BPS)
                if iszero(eq(visit, VISIT_INPATIENT)) {
                    f := capTo(f, and(shr(POLICY_A_OP_ANNUAL_CAP_SHIFT, a), AMOUNT_MASK), and(shr(COUNTER_OP_FUND_SHIFT, k), COUNTER_MASK))
                }
                f := capTo(f, and(shr(POLICY_A_ANNUAL_CAP_SHIFT, a), AMOUNT_MASK), and(shr(COUNTER_FUND_SHIFT, k), COUNTER_MASK))
            }
            function flagsOf(visit, fund, a, grade, before) -> f {
                if iszero(eq(visit, VISIT_INPATIENT)) {
                    let limit := and(shr(POLICY_A_VISIT_LIMIT_SHIFT, a), POLICY_A_VISIT_LIMIT_MASK)
                    if limit { if iszero(lt(before, limit)) { f := FLAG_VISIT_LIMIT } }
                }
                let threshold := and(shr(POLICY_A_REVIEW_THRESHOLD_SHIFT, a), AMOUNT_MASK)
                if gt(fund, threshold) { f := or(f, FLAG_REVIEW_THRESHOLD) }
                if or(eq(grade, GRADE_D), and(eq(grade, GRADE_C), gt(fund, shr(1, threshold)))) {
                    f := or(f, FLAG_INSTITUTION_GRADE)
                }
            }
            /// Gregorian year and month of a day number (Hinnant's civil_from_days, as Days.sol).
            function yearMonth(day) -> y, m {
                let z := add(day, 719468)
                // slither-disable-next-line divide-before-multiply (civil_from_days: the floor divisions are the algorithm)
                let era := div(z, 146097)
                let doe := sub(z, mul(era, 146097))
                // slither-disable-next-line divide-before-multiply (civil_from_days: the floor divisions are the algorithm)
                let yoe := div(sub(add(sub(doe, div(doe, 1460)), div(doe, 36524)), div(doe, 146096)), 365)
                let doy := sub(doe, sub(add(mul(365, yoe), shr(2, yoe)), div(yoe, 100)))
                let mp := div(add(mul(5, doy), 2), 153)
                switch lt(mp, 10)
                case 1 { m := add(mp, 3) }
                default { m := sub(mp, 9) }
                y := add(add(yoe, mul(era, 400)), lt(m, 3))
            }
            /// §3–§6 on the person's counters of the service year, then §7 flags and §8 counting.
            /// Returns the claim word with amounts, status and reason or flags, and the flags.
            function account(cw, inst, meta, a, b, e) -> w, f {
                let year, month := yearMonth(and(shr(CLAIM_DAY_SHIFT, cw), CLAIM_DAY_MASK))
                let kslot := keyed(or(shl(COUNTER_KEY_MEMBER_SHIFT, and(shr(CLAIM_MEMBER_SHIFT, cw), CLAIM_MEMBER_MASK)), year), S_COUNTERS)
                let k := sload(kslot)
                let visit := and(meta, META_VISIT_MASK)
                let d, fund := money(visit, e, a, b, and(shr(INSTITUTION_LEVEL_SHIFT, inst), M8), k)
                w := or(cw, or(or(shl(CLAIM_ELIGIBLE_SHIFT, e), shl(CLAIM_DEDUCTIBLE_SHIFT, d)), shl(CLAIM_FUND_SHIFT, fund)))
                // §6 OVERCLAIM: the institution's own figure exceeds the contract's
                if and(and(shr(META_CLAIMED_GIVEN_SHIFT, meta), 1), gt(and(shr(META_CLAIMED_SHIFT, meta), META_CLAIMED_MASK), fund)) {
                    w := rejected(w, REASON_OVERCLAIM)
                    leave
                }
                let shift := add(COUNTER_VISITS_SHIFT, mul(COUNTER_VISIT_BITS, sub(month, 1)))
                f := flagsOf(visit, fund, a, and(shr(INSTITUTION_GRADE_SHIFT, inst), M8), and(shr(shift, k), COUNTER_VISIT_MAX))
                // §8 counting (the visit count saturates at COUNTER_VISIT_MAX)
                k := add(k, shl(COUNTER_FUND_SHIFT, fund))
                if iszero(eq(visit, VISIT_INPATIENT)) {
                    k := add(k, add(shl(COUNTER_DEDUCTIBLE_SHIFT, d), shl(COUNTER_OP_FUND_SHIFT, fund)))
                    if iszero(eq(and(shr(shift, k), COUNTER_VISIT_MAX), COUNTER_VISIT_MAX)) { k := add(k, shl(shift, 1)) }
                }
                sstore(kslot, k)
                // APPROVED, or FLAGGED (APPROVED + 1) with flags
                w := or(w, or(add(STATUS_APPROVED, iszero(iszero(f))), shl(CLAIM_FLAGS_SHIFT, f)))
            }

            // ------------------------------------------------------------ the claim
            /// A claim that is not a duplicate. `cw` holds the claim word's fields known before
            /// (visit, service day, institution, epoch, billed).
            function judge(first, meta, cw, person, inst, cslot, cid) -> status, fund, home {
                let pw := sload(keyed(person, S_PEOPLE))
                cw := or(cw, shl(CLAIM_MEMBER_SHIFT, and(shr(PERSON_INDEX_SHIFT, pw), M32)))
                let reason, a, b := checks(inst, pw, meta, person)
                if reason {
                    cw := rejected(cw, reason)
                    sstore(cslot, cw)
                    mstore(add(mload(0x40), 0x20), 0)
                    announce(cid, cw)
                    status := STATUS_REJECTED
                    leave
                }
                let e, record := lines(first, meta, cw, a, inst)
                let f
                cw, f := account(cw, inst, meta, a, b, e)
                if record {
                    // the service day of each interval-limited line, if the claim counted
                    if iszero(eq(and(cw, CLAIM_STATUS_MASK), STATUS_REJECTED)) {
                        let m := keyed(and(shr(CLAIM_MEMBER_SHIFT, cw), CLAIM_MEMBER_MASK), S_LAST_SERVICE)
                        let day := and(shr(CLAIM_DAY_SHIFT, cw), CLAIM_DAY_MASK)
                        for { let i := 0 } record { i := add(i, 1) } {
                            if and(record, 1) { sstore(keyed(calldataload(add(first, shl(6, i))), m), day) }
                            record := shr(1, record)
                        }
                    }
                }
                sstore(cslot, cw)
                announce(cid, cw)
                let nl := and(shr(META_LINES_SHIFT, meta), META_LINES_MASK)
                if gt(nl, LINE_RESULTS_PER_WORD) {
                    // ClaimLines(cid, uint256[] more): the line words after the first
                    let p := mload(0x40)
                    let more := sub(div(add(nl, sub(LINE_RESULTS_PER_WORD, 1)), LINE_RESULTS_PER_WORD), 1)
                    mstore(p, 0x20)
                    mstore(add(p, 0x20), more)
                    log2(p, add(0x40, shl(5, more)), T_LINES, cid)
                }
                status := and(cw, CLAIM_STATUS_MASK)
                if eq(status, STATUS_REJECTED) {
                    alert(cid, ALERT_OVERCLAIM)
                    leave
                }
                if f {
                    // what review and appeal need to know about the person: home region, scheme
                    sstore(
                        keyed(cid, S_CLAIM_EXTRA),
                        or(
                            shl(EXTRA_HOME_SHIFT, and(shr(PERSON_REGION_SHIFT, pw), M32)),
                            shl(EXTRA_SCHEME_SHIFT, and(shr(PERSON_SCHEME_SHIFT, pw), M8))
                        )
                    )
                    if and(f, FLAG_VISIT_LIMIT) { alert(cid, ALERT_VISIT_LIMIT) }
                    if and(f, FLAG_REVIEW_THRESHOLD) { alert(cid, ALERT_REVIEW_THRESHOLD) }
                    if and(f, FLAG_INSTITUTION_GRADE) { alert(cid, ALERT_INSTITUTION_GRADE) }
                    leave
                }
                fund := shr(CLAIM_FUND_SHIFT, cw)
                if fund {
                    home := and(shr(PERSON_REGION_SHIFT, pw), M32)
                    if eq(home, and(shr(INSTITUTION_REGION_SHIFT, inst), M32)) { home := 0 }
                }
            }

            // ------------------------------------------------------------ body
            let base := words.offset
            let meta, billed
            next, id, meta, billed := parse(base, words.length, start, and(shr(INSTITUTION_LEVEL_SHIFT, ctx), M8))
            // visit, service day, institution index, epoch, billed
            let cw := or(
                or(shl(CLAIM_VISIT_SHIFT, and(meta, CLAIM_VISIT_MASK)), shl(CLAIM_DAY_SHIFT, and(shr(META_DAY_SHIFT, meta), CLAIM_DAY_MASK))),
                or(
                    or(
                        shl(CLAIM_INSTITUTION_SHIFT, and(shr(INSTITUTION_INDEX_SHIFT, ctx), CLAIM_INSTITUTION_MASK)),
                        shl(CLAIM_EPOCH_SHIFT, and(shr(INSTITUTION_EPOCH_SHIFT, ctx), CLAIM_EPOCH_MASK))
                    ),
                    shl(CLAIM_BILLED_SHIFT, billed)
                )
            )
            let cslot := keyed(id, S_CLAIMS)
            switch sload(cslot)
            case 0 {
                st, paid, crossHome := judge(
                    add(base, shl(5, add(start, WIRE_HEAD))),
                    meta,
                    cw,
                    calldataload(add(base, shl(5, add(start, WIRE_PERSON)))),
                    ctx,
                    cslot,
                    id
                )
                // an approved share another home region will owe: a clawback must find that region
                if crossHome { sstore(keyed(id, S_CLAIM_EXTRA), shl(EXTRA_HOME_SHIFT, crossHome)) }
            }
            default {
                // DUPLICATE: announced, not recorded again
                mstore(add(mload(0x40), 0x20), 0)
                announce(id, rejected(cw, REASON_DUPLICATE))
                alert(id, ALERT_DUPLICATE)
                st := STATUS_REJECTED
            }
        }
    }
}
