// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {LedgerStorage} from "./LedgerStorage.sol";
import {IModule} from "./interfaces/IModule.sol";
import {IClaims} from "./interfaces/IClaims.sol";
import {IRegistry} from "./interfaces/IRegistry.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Days} from "./libraries/Days.sol";

/// @title YibaoLedger — the medical-insurance ledger of one deployment
/// @notice Holds all state and decides claims itself (the hot path reads registry, policy
/// and catalogue storage directly). Functions not defined here are routed by selector to
/// module contracts and run by delegatecall in this contract's storage, so one address
/// serves the whole API.
contract YibaoLedger is LedgerStorage, IClaims {
    /// @notice No module serves this selector.
    error FunctionUnknown(bytes4 selector);
    /// @notice Two modules claim the same selector, or a module has no code.
    error ModuleInvalid(address module, bytes4 selector);

    /// @notice The institution's running total of unsettled fund shares or claims would
    /// overflow (2**64 fen or 2**32 claims): it must be settled first.
    error PayableOverflow(address institution);

    /// @notice A module was wired in at construction.
    event ModuleInstalled(address indexed module, uint256 selectors);

    // claim status APPROVED (numbers fixed; python/yibao/model/types.py)
    uint256 private constant APPROVED = 1;

    uint256 private constant MAX_CLAIMS = 200;
    uint256 private constant INSTITUTION_BITS = (1 << 216) - 1; // LedgerStorage.Institution, slot 0

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

    /// @notice The module serving `selector`, or zero.
    function moduleOf(bytes4 selector) external view returns (address) {
        return _layout().modules[selector];
    }

    // ================================================================ claims

    /// @inheritdoc IClaims
    function submitClaims(bytes32[] calldata words) external returns (bytes32 claimId, uint8 status) {
        Layout storage l = _layout();
        Institution storage stored = l.institutions[msg.sender];
        uint256 slot0;
        assembly ("memory-safe") {
            slot0 := sload(stored.slot)
        }
        if (slot0 & 0xff == 0) revert IRegistry.InstitutionUnknown(msg.sender);
        uint256 n = words.length;
        if (n == 0) revert IRegistry.BatchSizeInvalid(0, MAX_CLAIMS);
        // the institution's slot 0 (216 bits) with today's day number on top
        uint256 ctx = (slot0 & INSTITUTION_BITS) | (uint256(Days.today()) << 216);
        uint256 o;
        uint256 count;
        uint256 payable_;
        uint256 approved;
        while (o < n) {
            if (++count > MAX_CLAIMS) revert IRegistry.BatchSizeInvalid(count, MAX_CLAIMS);
            uint256 st;
            uint256 fund;
            uint256 home;
            (o, claimId, st, fund, home) = _decide(ctx, words, o);
            if (st == APPROVED) {
                unchecked {
                    payable_ += fund; // < 2**36 each, at most MAX_CLAIMS
                    ++approved;
                }
                if (home != 0) _bookCross(l, msg.sender, home, fund);
            }
            status = uint8(st);
        }
        if (approved != 0) {
            // payableFund (bits 104..167) and pendingClaims (168..199) of slot 0, written once
            unchecked {
                uint256 total = ((slot0 >> 104) & type(uint64).max) + payable_;
                uint256 pending = ((slot0 >> 168) & type(uint32).max) + approved;
                if (total > type(uint64).max || pending > type(uint32).max) revert PayableOverflow(msg.sender);
                slot0 += (payable_ << 104) + (approved << 168);
            }
            assembly ("memory-safe") {
                sstore(stored.slot, slot0)
            }
        }
    }

    // ================================================================ decision
    //
    // The claim path is written in Yul: the same logic in Solidity cost about 7,300 gas of
    // execution per claim, much of it moving variables between stack and memory; this costs
    // about 5,100. Each Yul function below is one step of adjudication.md, sized so that its
    // variables stay on the stack. The money math (eligibleOf, money, capTo, flagsOf) is pure:
    // no storage, no side effects. The differential tests hold the whole path to the Python
    // reference model (python/yibao/model) claim by claim, to the fen.
    //
    // Word layouts: the claim word (stored and emitted) and the policy, item and counter words
    // are in Packed.sol; the person and institution slots are LedgerStorage's structs.

    // storage slots of the Layout fields the claim path uses (checked in the constructor)
    uint256 private constant S_PEOPLE = 0xe264cb13ac31513d5bdd6a5f4c66fa80c77cfadec84201fb2f12841d9c1a1e05;
    uint256 private constant S_FILINGS = 0xe264cb13ac31513d5bdd6a5f4c66fa80c77cfadec84201fb2f12841d9c1a1e06;
    uint256 private constant S_VERSIONS = 0xe264cb13ac31513d5bdd6a5f4c66fa80c77cfadec84201fb2f12841d9c1a1e07;
    uint256 private constant S_LATEST = 0xe264cb13ac31513d5bdd6a5f4c66fa80c77cfadec84201fb2f12841d9c1a1e08;
    uint256 private constant S_ITEMS = 0xe264cb13ac31513d5bdd6a5f4c66fa80c77cfadec84201fb2f12841d9c1a1e09;
    uint256 private constant S_CLAIMS = 0xe264cb13ac31513d5bdd6a5f4c66fa80c77cfadec84201fb2f12841d9c1a1e0a;
    uint256 private constant S_COUNTERS = 0xe264cb13ac31513d5bdd6a5f4c66fa80c77cfadec84201fb2f12841d9c1a1e0b;
    uint256 private constant S_LAST = 0xe264cb13ac31513d5bdd6a5f4c66fa80c77cfadec84201fb2f12841d9c1a1e0c;
    uint256 private constant S_EXTRA = 0xe264cb13ac31513d5bdd6a5f4c66fa80c77cfadec84201fb2f12841d9c1a1e0e;

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

    /// @dev The ledger's constants above agree with the compiler's layout and signatures.
    function _checkConstants() private view {
        Layout storage l = _layout();
        uint256[9] memory slots;
        uint256[9] memory expected = [S_PEOPLE, S_FILINGS, S_VERSIONS, S_LATEST, S_ITEMS, S_CLAIMS, S_COUNTERS, S_LAST, S_EXTRA];
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
    }

    /// @dev Decide, record and announce the claim starting at word `o` (adjudication.md §1–§8).
    /// `ctx` is the institution's slot 0 with today's day number at bit 216. Returns the next
    /// claim's offset, the claim id, the status, the fund share when APPROVED (else 0) and, for
    /// an approved share owed by another home region, that region (else 0).
    function _decide(uint256 ctx, bytes32[] calldata words, uint256 start)
        private
        returns (uint256 next, bytes32 id, uint256 st, uint256 paid, uint256 crossHome)
    {
        assembly ("memory-safe") {
            // ------------------------------------------------------------ helpers
            function fail1(sel, a) {
                mstore(0, shl(224, sel))
                mstore(4, a)
                revert(0, 0x24)
            }
            function fail2(sel, a, b) {
                mstore(0, shl(224, sel))
                mstore(4, a)
                mstore(0x24, b)
                revert(0, 0x44)
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

            // ------------------------------------------------------------ malformed input
            /// Checks the claim's shape; reverts with a named error. Returns the next offset,
            /// the id, the meta word and the billed total.
            function parse(base, n, o, level) -> nxt, cid, meta, billed {
                if gt(add(o, 4), n) { fail1(E_TRUNCATED, o) }
                meta := calldataload(add(base, shl(5, add(o, 3))))
                let nl := and(shr(72, meta), 0xff)
                nxt := add(add(o, 4), shl(1, nl))
                if gt(nxt, n) { fail1(E_TRUNCATED, o) }
                cid := keyed(caller(), calldataload(add(base, shl(5, o))))
                if iszero(nl) { fail1(E_NO_LINES, cid) }
                // quantity < 2**32, price < 2**64, at most 255 lines: no overflow
                let p := add(base, shl(5, add(o, 5)))
                for { let i := 0 } lt(i, nl) { i := add(i, 1) } {
                    let qp := calldataload(add(p, shl(6, i)))
                    let q := and(qp, 0xffffffff)
                    if iszero(q) { fail2(E_QTY_ZERO, cid, i) }
                    billed := add(billed, mul(q, and(shr(32, qp), 0xffffffffffffffff)))
                }
                if gt(billed, 0xfffffffff) { fail1(E_TOO_LARGE, cid) }
                let visit := and(meta, 0xff)
                if gt(visit, 2) { fail2(E_VISIT, cid, visit) }
                let day := and(shr(8, meta), 0xffffffff)
                let discharge := and(shr(40, meta), 0xffffffff)
                if gt(day, 0x3fffff) { fail2(E_DATE, cid, day) }
                if gt(discharge, 0x3fffff) { fail2(E_DATE, cid, discharge) }
                switch visit
                case 1 {
                    if iszero(discharge) { fail1(E_DISCHARGE_MISSING, cid) }
                    if lt(discharge, day) {
                        mstore(0, shl(224, E_DISCHARGE_BEFORE))
                        mstore(4, cid)
                        mstore(0x24, day)
                        mstore(0x44, discharge)
                        revert(0, 0x64)
                    }
                    if iszero(level) { fail2(E_NOT_OFFERED, cid, 1) }
                }
                default { if discharge { fail1(E_DISCHARGE_NOT_IP, cid) } }
            }

            // ------------------------------------------------------------ §1 claim checks
            /// The policy version in force on `day` for `key` (home region << 8 | scheme): the
            /// slot of its word A (word B follows) and word A, or zeros. The newest version is
            /// kept at a fixed key; older service days search the versions (log₂ of their number).
            function policyAt(key, day) -> s, a {
                s := keyed(key, S_LATEST)
                a := sload(s)
                if iszero(a) {
                    s := 0
                    leave
                }
                if gt(and(a, 0xfffff), day) {
                    let head := keyed(key, S_VERSIONS)
                    let hi := sload(head)
                    mstore(0, head)
                    let data := keccak256(0, 0x20)
                    let lo := 0
                    for {} lt(lo, hi) {} {
                        let mid := shr(1, add(lo, hi))
                        switch gt(and(sload(add(data, shl(1, mid))), 0xfffff), day)
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
            /// force and, for an inpatient or cross-region claim, its word B (bit 255 set when
            /// the ratio takes the cross-region cut: another home region and no filing here).
            function checks(inst, pw, meta, person) -> reason, a, b {
                // institution ACTIVE and not grade E
                if or(and(shr(80, inst), 0xff), eq(and(shr(88, inst), 0xff), 4)) {
                    reason := 2 // INSTITUTION_INACTIVE
                    leave
                }
                if iszero(and(pw, 0xffffffff)) {
                    reason := 3 // NOT_ENROLLED
                    leave
                }
                if and(shr(136, pw), 0xff) {
                    reason := 4 // PATIENT_INACTIVE
                    leave
                }
                let today := shr(216, inst)
                let day := and(shr(8, meta), 0xffffffff)
                if or(gt(day, today), gt(and(shr(40, meta), 0xffffffff), today)) {
                    reason := 5 // FUTURE_SERVICE
                    leave
                }
                let from := and(shr(64, pw), 0xffffffff)
                if or(lt(day, from), gt(day, and(shr(96, pw), 0xffffffff))) {
                    reason := 6 // NOT_COVERED
                    leave
                }
                let pslot
                pslot, a := policyAt(or(shl(8, and(shr(32, pw), 0xffffffff)), and(shr(128, pw), 0xff)), day)
                if iszero(a) {
                    reason := 7 // NO_POLICY
                    leave
                }
                // day ≤ today here
                if gt(sub(today, day), and(shr(30, a), 0x3ff)) {
                    reason := 8 // STALE_CLAIM
                    leave
                }
                if lt(day, add(from, and(shr(20, a), 0x3ff))) {
                    reason := 9 // WAITING_PERIOD
                    leave
                }
                let region := and(shr(8, inst), 0xffffffff)
                let cross := 0
                if iszero(eq(and(shr(32, pw), 0xffffffff), region)) {
                    cross := iszero(hasFiling(person, and(shr(152, pw), 0xff), region, day))
                }
                if or(eq(and(meta, 0xff), 1), cross) { b := or(sload(add(pslot, 1)), shl(255, cross)) }
            }
            function hasFiling(person, count, region, day) -> yes {
                let fs := keyed(person, S_FILINGS)
                for { let i := 0 } lt(i, count) { i := add(i, 1) } {
                    let f := sload(add(fs, i))
                    if and(eq(and(f, 0xffffffff), region), iszero(or(gt(and(shr(32, f), 0xffffffff), day), lt(and(shr(64, f), 0xffffffff), day)))) {
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
                let last := and(sload(keyed(code, keyed(and(shr(35, cw), 0xffffffff), S_LAST))), 0xffffffff)
                soon := and(iszero(iszero(last)), lt(and(shr(13, cw), 0x3fffff), add(last, interval)))
            }
            /// A line that passed the checks: cap price and quantity, keep the class-B share.
            function eligibleOf(item, qp, classB) -> el, notes {
                let q := and(qp, 0xffffffff)
                let price := and(shr(32, qp), 0xffffffffffffffff)
                let cap := and(shr(64, item), 0xffffffffffffffff)
                if cap {
                    if gt(price, cap) {
                        price := cap
                        notes := 16 // PRICE_CAPPED
                    }
                }
                let maxQty := and(shr(8, item), 0xffffffff)
                if maxQty {
                    if gt(q, maxQty) {
                        q := maxQty
                        notes := or(notes, 32) // QTY_CAPPED
                    }
                }
                el := mul(q, price)
                if eq(and(shr(1, item), 3), 1) { el := div(mul(el, sub(10000, classB)), 10000) }
            }
            /// Line `i`: its eligible amount, notes, and 1 when its service day is to be recorded.
            function lineOf(first, i, visit, cw, classB, catalogue) -> el, notes, rec {
                let at := add(first, shl(6, i))
                let code := calldataload(at)
                let item := sload(keyed(code, catalogue))
                if iszero(and(item, 1)) {
                    notes := 1 // NOT_IN_CATALOGUE
                    leave
                }
                if eq(and(shr(1, item), 3), 2) {
                    notes := 2 // CATEGORY_C
                    leave
                }
                if and(iszero(eq(visit, 1)), and(shr(3, item), 1)) {
                    notes := 4 // INPATIENT_ONLY
                    leave
                }
                let interval := and(shr(40, item), 0xffff)
                if interval {
                    if tooSoon(first, i, code, interval, cw) {
                        notes := 8 // TOO_SOON
                        leave
                    }
                    rec := 1
                }
                el, notes := eligibleOf(item, calldataload(add(at, 0x20)), classB)
            }
            /// Every line in order: E and a bit per line whose service day is to be recorded.
            /// The line results go six to a word (notes 6 bits | eligible << 6, at bit 42·i)
            /// after the decision word in the free memory (see `announce`).
            function lines(first, meta, cw, a, inst) -> e, record {
                let nl := and(shr(72, meta), 0xff)
                let visit := and(meta, 0xff)
                let classB := and(shr(46, a), 0x3fff)
                let catalogue := keyed(and(shr(8, inst), 0xffffffff), S_ITEMS)
                let out := add(mload(0x40), 0x20)
                for { let i := 0 } lt(i, nl) { i := add(i, 1) } {
                    let el, notes, rec := lineOf(first, i, visit, cw, classB, catalogue)
                    e := add(e, el)
                    record := or(record, shl(i, rec))
                    let pos := mod(i, 6)
                    let word := add(out, shl(5, div(i, 6)))
                    let v := shl(mul(42, pos), or(notes, shl(6, el)))
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
                case 1 {
                    d := and(shr(add(56, shl(5, sub(level, 1))), b), 0xffffffff)
                    r := and(shr(mul(14, level), b), 0x3fff)
                }
                default {
                    let annual := and(shr(116, a), 0x3fffffff)
                    let used := and(k, 0xffffffffffff)
                    if gt(annual, used) { d := sub(annual, used) }
                    r := and(shr(add(60, mul(14, level)), a), 0x3fff)
                }
                if gt(d, e) { d := e }
                if shr(255, b) {
                    let c := and(b, 0x3fff)
                    switch gt(r, c)
                    case 1 { r := sub(r, c) }
                    default { r := 0 }
                }
                f := div(mul(sub(e, d), r), 10000)
                if iszero(eq(visit, 1)) { f := capTo(f, and(shr(146, a), 0xfffffffff), and(shr(96, k), 0xffffffffffff)) }
                f := capTo(f, and(shr(182, a), 0xfffffffff), and(shr(48, k), 0xffffffffffff))
            }
            function flagsOf(visit, fund, a, grade, before) -> f {
                if iszero(eq(visit, 1)) {
                    let limit := and(shr(40, a), 0x3f)
                    if limit { if iszero(lt(before, limit)) { f := 1 } } // VISIT_LIMIT
                }
                let threshold := and(shr(218, a), 0xfffffffff)
                if gt(fund, threshold) { f := or(f, 2) } // REVIEW_THRESHOLD
                if or(eq(grade, 3), and(eq(grade, 2), gt(fund, shr(1, threshold)))) { f := or(f, 4) } // INSTITUTION_GRADE
            }
            /// Gregorian year and month of a day number (Hinnant's civil_from_days, as Days.sol).
            function yearMonth(day) -> y, m {
                let z := add(day, 719468)
                let era := div(z, 146097)
                let doe := sub(z, mul(era, 146097))
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
                let year, month := yearMonth(and(shr(13, cw), 0x3fffff))
                let kslot := keyed(or(shl(16, and(shr(35, cw), 0xffffffff)), year), S_COUNTERS)
                let k := sload(kslot)
                let visit := and(meta, 0xff)
                let d, fund := money(visit, e, a, b, and(shr(72, inst), 0xff), k)
                w := or(cw, or(or(shl(143, e), shl(179, d)), shl(215, fund)))
                // §6 OVERCLAIM: the institution's own figure exceeds the contract's
                if and(and(shr(80, meta), 1), gt(and(shr(88, meta), 0xffffffffffffffff), fund)) {
                    w := or(w, or(3, shl(3, 10)))
                    leave
                }
                let shift := add(144, mul(9, sub(month, 1)))
                f := flagsOf(visit, fund, a, and(shr(88, inst), 0xff), and(shr(shift, k), 511))
                // §8 counting (the visit count saturates at 511)
                k := add(k, shl(48, fund))
                if iszero(eq(visit, 1)) {
                    k := add(k, add(d, shl(96, fund)))
                    if iszero(eq(and(shr(shift, k), 511), 511)) { k := add(k, shl(shift, 1)) }
                }
                sstore(kslot, k)
                w := or(w, or(add(1, iszero(iszero(f))), shl(8, f))) // APPROVED or FLAGGED
            }

            // ------------------------------------------------------------ the claim
            /// A claim that is not a duplicate. `cw` holds the claim word's fields known before
            /// (visit, service day, institution, epoch, billed).
            function judge(first, meta, cw, person, inst, cslot, cid) -> status, fund, home {
                let pw := sload(keyed(person, S_PEOPLE))
                cw := or(cw, shl(35, and(pw, 0xffffffff)))
                let reason, a, b := checks(inst, pw, meta, person)
                if reason {
                    cw := or(cw, or(3, shl(3, reason)))
                    sstore(cslot, cw)
                    mstore(add(mload(0x40), 0x20), 0)
                    announce(cid, cw)
                    status := 3
                    leave
                }
                let e, record := lines(first, meta, cw, a, inst)
                let f
                cw, f := account(cw, inst, meta, a, b, e)
                if record {
                    // the service day of each interval-limited line, if the claim counted
                    if iszero(eq(and(cw, 7), 3)) {
                        let m := keyed(and(shr(35, cw), 0xffffffff), S_LAST)
                        let day := and(shr(13, cw), 0x3fffff)
                        for { let i := 0 } record { i := add(i, 1) } {
                            if and(record, 1) { sstore(keyed(calldataload(add(first, shl(6, i))), m), day) }
                            record := shr(1, record)
                        }
                    }
                }
                sstore(cslot, cw)
                announce(cid, cw)
                let nl := and(shr(72, meta), 0xff)
                if gt(nl, 6) {
                    // ClaimLines(cid, uint256[] more): the line words after the first
                    let p := mload(0x40)
                    let more := sub(div(add(nl, 5), 6), 1)
                    mstore(p, 0x20)
                    mstore(add(p, 0x20), more)
                    log2(p, add(0x40, shl(5, more)), T_LINES, cid)
                }
                status := and(cw, 7)
                if eq(status, 3) {
                    alert(cid, 2) // OVERCLAIM
                    leave
                }
                if f {
                    // what review and appeal need to know about the person: home region, scheme
                    sstore(keyed(cid, S_EXTRA), or(and(shr(32, pw), 0xffffffff), shl(32, and(shr(128, pw), 0xff))))
                    if and(f, 1) { alert(cid, 3) } // VISIT_LIMIT
                    if and(f, 2) { alert(cid, 4) } // REVIEW_THRESHOLD
                    if and(f, 4) { alert(cid, 5) } // INSTITUTION_GRADE
                    leave
                }
                fund := shr(215, cw)
                if fund {
                    home := and(shr(32, pw), 0xffffffff)
                    if eq(home, and(shr(8, inst), 0xffffffff)) { home := 0 }
                }
            }

            // ------------------------------------------------------------ body
            let base := words.offset
            let meta, billed
            next, id, meta, billed := parse(base, words.length, start, and(shr(72, ctx), 0xff))
            // visit, service day, institution index, epoch, billed
            let cw := or(
                or(shl(11, and(meta, 3)), shl(13, and(shr(8, meta), 0x3fffff))),
                or(or(shl(67, and(shr(40, ctx), 0xffffff)), shl(91, and(shr(200, ctx), 0xffff))), shl(107, billed))
            )
            let cslot := keyed(id, S_CLAIMS)
            switch sload(cslot)
            case 0 {
                st, paid, crossHome :=
                    judge(add(base, shl(5, add(start, 4))), meta, cw, calldataload(add(base, shl(5, add(start, 1)))), ctx, cslot, id)
            }
            default {
                // DUPLICATE: announced, not recorded again
                mstore(add(mload(0x40), 0x20), 0)
                announce(id, or(cw, or(3, shl(3, 1))))
                alert(id, 1)
                st := 3
            }
        }
    }

    // ================================================================ routing

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
