// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {LedgerStorage} from "./LedgerStorage.sol";
import {IModule} from "./interfaces/IModule.sol";
import {IClaims} from "./interfaces/IClaims.sol";
import {IRegistry} from "./interfaces/IRegistry.sol";
import {Roles} from "./libraries/Roles.sol";
import {Days} from "./libraries/Days.sol";
import {Packed} from "./libraries/Packed.sol";
import {Adjudication as Adj} from "./libraries/Adjudication.sol";

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

    /// @notice A module was wired in at construction.
    event ModuleInstalled(address indexed module, uint256 selectors);

    // claim statuses and reasons (numbers fixed; python/yibao/model/types.py)
    uint256 private constant APPROVED = 1;
    uint256 private constant FLAGGED = 2;
    uint256 private constant REJECTED = 3;
    uint256 private constant SETTLED = 5;
    uint256 private constant R_DUPLICATE = 1;
    uint256 private constant R_INSTITUTION_INACTIVE = 2;
    uint256 private constant R_NOT_ENROLLED = 3;
    uint256 private constant R_PATIENT_INACTIVE = 4;
    uint256 private constant R_FUTURE_SERVICE = 5;
    uint256 private constant R_NOT_COVERED = 6;
    uint256 private constant R_NO_POLICY = 7;
    uint256 private constant R_STALE_CLAIM = 8;
    uint256 private constant R_WAITING_PERIOD = 9;
    uint256 private constant R_OVERCLAIM = 10;
    // alert kinds
    uint8 private constant A_DUPLICATE = 1;
    uint8 private constant A_OVERCLAIM = 2;
    uint8 private constant A_VISIT_LIMIT = 3;
    uint8 private constant A_REVIEW_THRESHOLD = 4;
    uint8 private constant A_INSTITUTION_GRADE = 5;

    uint256 private constant MAX_CLAIMS = 200;
    uint256 private constant CLAIM_HEAD = 4; // words before the lines

    /// @dev What a claim needs to know about its institution, read once per call.
    struct Inst {
        address account;
        uint256 region;
        uint256 index;
        uint256 level;
        bool active; // ACTIVE and not grade E
        uint256 grade;
        uint256 epoch;
        uint256 today;
    }

    /// @param admin the account that holds DEFAULT_ADMIN_ROLE (adds regions, grants regulators)
    /// @param modules the module contracts whose selectors this ledger serves
    constructor(address admin, address[] memory modules) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _setRoleAdmin(Roles.INSTITUTION, Roles.NOBODY);
        _setRoleAdmin(Roles.NOBODY, Roles.NOBODY);
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

    // ================================================================ claims

    /// @inheritdoc IClaims
    function submitClaims(bytes32[] calldata words) external returns (bytes32 claimId, uint8 status) {
        Institution storage stored = _layout().institutions[msg.sender];
        if (!stored.exists) revert IRegistry.InstitutionUnknown(msg.sender);
        Inst memory inst = Inst(
            msg.sender,
            stored.region,
            stored.index,
            stored.level,
            stored.status == STATUS_ACTIVE && stored.grade != GRADE_E,
            stored.grade,
            stored.epoch,
            Days.today()
        );
        uint256 n = words.length;
        if (n == 0) revert IRegistry.BatchSizeInvalid(0, MAX_CLAIMS);
        uint256 o;
        uint256 count;
        uint256 payable_;
        uint256 approved;
        while (o < n) {
            if (++count > MAX_CLAIMS) revert IRegistry.BatchSizeInvalid(count, MAX_CLAIMS);
            uint256 st;
            uint256 fund;
            (o, claimId, st, fund) = _decide(inst, words, o);
            if (st == APPROVED) {
                payable_ += fund;
                ++approved;
            }
            status = uint8(st);
        }
        if (approved != 0) {
            stored.payableFund += uint64(payable_);
            stored.pendingClaims += uint32(approved);
        }
    }

    /// @inheritdoc IClaims
    function claimInfo(bytes32 claimId) external view returns (ClaimView memory v) {
        uint256 w = _layout().claims[claimId];
        if (w == 0) revert ClaimUnknown(claimId);
        Packed.Claim memory c = Packed.unpackClaim(w);
        if (c.status == APPROVED) {
            Layout storage l = _layout();
            if (c.epoch < l.institutions[l.institutionAccounts[uint32(c.institution)]].epoch) c.status = SETTLED;
        }
        v = ClaimView(
            claimId,
            uint8(c.status),
            uint8(c.reason),
            uint8(c.flags),
            uint8(c.visit),
            uint32(c.serviceDay),
            uint32(c.member),
            uint32(c.institution),
            uint64(c.billed),
            uint64(c.eligible),
            uint64(c.deductible),
            uint64(c.fund)
        );
    }

    /// @inheritdoc IClaims
    function claimIdOf(address institution, bytes32 invoice) public pure returns (bytes32 id) {
        assembly ("memory-safe") {
            mstore(0x00, institution)
            mstore(0x20, invoice)
            id := keccak256(0x00, 0x40)
        }
    }

    /// @inheritdoc IClaims
    function countersOf(bytes32 person, uint16 year)
        external
        view
        returns (uint64 deductibleUsed, uint64 fundUsed, uint64 opFundUsed, uint16[12] memory visits)
    {
        Layout storage l = _layout();
        uint32 member = l.people[person].index;
        if (member == 0) revert IRegistry.PersonUnknown(person);
        uint256 k = l.counters[(uint64(member) << 16) | year];
        deductibleUsed = uint64(Packed.dedUsed(k));
        fundUsed = uint64(Packed.fundUsed(k));
        opFundUsed = uint64(Packed.opFundUsed(k));
        for (uint256 m = 1; m <= 12; ++m) {
            visits[m - 1] = uint16(Packed.visits(k, m));
        }
    }

    // ================================================================ decision

    /// @dev Word `i` of the call's words; callers have checked the bounds.
    function _word(bytes32[] calldata words, uint256 i) private pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := calldataload(add(words.offset, shl(5, i)))
        }
    }

    /// @dev Parse and check the claim at word `o`: malformed input reverts (nothing recorded).
    /// Returns the offset of the next claim, the claim id, the meta word and the billed total.
    function _parse(Inst memory inst, bytes32[] calldata words, uint256 o)
        private
        pure
        returns (uint256 next, bytes32 id, uint256 meta, uint256 billed)
    {
        uint256 n = words.length;
        uint256 nl;
        unchecked {
            // o < n ≤ calldata size / 32 and nl < 256: no overflow
            if (o + CLAIM_HEAD > n) revert ClaimTruncated(o);
            meta = _word(words, o + 3);
            nl = (meta >> 72) & 0xff;
            next = o + CLAIM_HEAD + 2 * nl;
        }
        if (next > n) revert ClaimTruncated(o);
        id = claimIdOf(inst.account, bytes32(_word(words, o)));
        if (nl == 0) revert ClaimWithoutLines(id);
        unchecked {
            // qty < 2**32 and price < 2**64 per line, at most 255 lines: no overflow
            for (uint256 i; i < nl; ++i) {
                uint256 qp = _word(words, o + CLAIM_HEAD + 2 * i + 1);
                uint256 q = qp & Packed.M32;
                if (q == 0) revert ClaimLineQuantityZero(id, i);
                billed += q * ((qp >> 32) & Packed.M64);
            }
        }
        if (billed > Packed.M36) revert ClaimAmountTooLarge(id);
        uint256 visit = meta & 0xff;
        if (visit > 2) revert VisitTypeInvalid(id, uint8(visit));
        uint256 day = (meta >> 8) & Packed.M32;
        uint256 discharge = (meta >> 40) & Packed.M32;
        if (day > Packed.M22 || discharge > Packed.M22) {
            revert ClaimDateInvalid(id, uint32(day > Packed.M22 ? day : discharge));
        }
        if (visit == Adj.INPATIENT) {
            if (discharge == 0) revert DischargeMissing(id);
            if (discharge < day) revert DischargeBeforeAdmission(id, uint32(day), uint32(discharge));
            if (inst.level == 0) revert VisitTypeNotOffered(id, uint8(visit));
        } else if (discharge != 0) {
            revert DischargeNotInpatient(id);
        }
    }

    /// @dev Decide, record and announce the claim at word `o` (adjudication.md §1–§8).
    /// Returns the next claim's offset, the id, the status and, when approved, the fund share.
    function _decide(Inst memory inst, bytes32[] calldata words, uint256 o)
        private
        returns (uint256 next, bytes32 id, uint256 status, uint256 fund)
    {
        uint256 meta;
        uint256 billed;
        (next, id, meta, billed) = _parse(inst, words, o);
        Layout storage l = _layout();
        uint256 visit = meta & 0xff;
        uint256 claimSlot = _slotOf(l.claims, id); // the claim's storage slot, hashed once
        if (_sload(claimSlot) != 0) {
            emit ClaimDecided(id, inst.account, REJECTED | (R_DUPLICATE << 8) | (visit << 24) | (billed << 64), 0);
            emit Alert(id, A_DUPLICATE, inst.account);
            return (next, id, REJECTED, 0);
        }
        uint256 day = (meta >> 8) & Packed.M32;
        bytes32 person = bytes32(_word(words, o + 1));

        // ---- §1 claim checks, on the person's slot 0 read once (layout: LedgerStorage.Person)
        uint256 pw;
        {
            Person storage p = l.people[person];
            assembly ("memory-safe") {
                pw := sload(p.slot)
            }
        }
        uint256 member = pw & Packed.M32;
        uint256 a; // policy word A of the version in force
        {
            uint256 reason;
            if (!inst.active) {
                reason = R_INSTITUTION_INACTIVE;
            } else if (member == 0) {
                reason = R_NOT_ENROLLED;
            } else if ((pw >> 136) & 0xff != STATUS_ACTIVE) {
                reason = R_PATIENT_INACTIVE;
            } else if (day > inst.today || ((meta >> 40) & Packed.M32) > inst.today) {
                reason = R_FUTURE_SERVICE;
            } else if (day < ((pw >> 64) & Packed.M32) || day > ((pw >> 96) & Packed.M32)) {
                reason = R_NOT_COVERED;
            } else {
                a = _policyWordA(uint64((((pw >> 32) & Packed.M32) << 8) | ((pw >> 128) & 0xff)), day);
                unchecked {
                    // day ≤ today here; day numbers < 2**22, waiting days < 2**10
                    if (a == 0) reason = R_NO_POLICY;
                    else if (inst.today - day > Packed.maxClaimAge(a)) reason = R_STALE_CLAIM;
                    else if (day < ((pw >> 64) & Packed.M32) + Packed.waitingDays(a)) reason = R_WAITING_PERIOD;
                }
            }
            if (reason != 0) {
                _sstore(claimSlot, _claimWord(inst, REJECTED, reason, 0, visit, day, member, billed, 0, 0, 0));
                emit ClaimDecided(
                    id, inst.account, REJECTED | (reason << 8) | (visit << 24) | (member << 32) | (billed << 64), 0
                );
                return (next, id, REJECTED, 0);
            }
        }

        // ---- §2 lines
        uint256 counterKey;
        uint256 month;
        {
            uint256 year;
            (year, month) = Days.yearMonth(uint32(day));
            counterKey = (member << 16) | year;
        }
        uint256 counterSlot = _slotOf64(l.counters, uint64(counterKey));
        uint256 k = _sload(counterSlot);
        (uint256 e, uint256[] memory lines, uint256 record) = _lines(l, inst.region, words, o, visit, day, member, a);

        // ---- §3–§5 deductible, ratio, fund share
        uint256 d;
        {
            uint256 home = (pw >> 32) & Packed.M32;
            bool cross = inst.region != home && !_hasFiling(l, person, inst.region, day);
            uint256 b = (visit == Adj.INPATIENT || cross) ? _policyWordB(uint64((home << 8) | ((pw >> 128) & 0xff)), day) : 0;
            d = Adj.deductible(visit, e, a, b, inst.level, Packed.dedUsed(k));
            fund = Adj.fundShare(visit, e, d, Adj.ratio(visit, a, b, inst.level, cross), a, k);
        }
        uint256 amounts = (member << 32) | (billed << 64) | (e << 100) | (d << 136) | (fund << 172);

        // ---- §6 overclaim
        if ((meta >> 80) & 1 != 0 && ((meta >> 88) & Packed.M64) > fund) {
            _sstore(claimSlot, _claimWord(inst, REJECTED, R_OVERCLAIM, 0, visit, day, member, billed, e, d, fund));
            _emitDecision(id, inst.account, REJECTED | (R_OVERCLAIM << 8) | (visit << 24) | amounts, lines);
            emit Alert(id, A_OVERCLAIM, inst.account);
            return (next, id, REJECTED, 0);
        }

        // ---- §7 flags, §8 counting
        uint256 flags = Adj.flags(visit, fund, a, inst.grade, Packed.visits(k, month));
        _sstore(counterSlot, _count(k, visit, d, fund, month));
        if (record != 0) _recordLast(l, words, o, member, day, record);
        status = flags == 0 ? APPROVED : FLAGGED;
        _sstore(claimSlot, _claimWord(inst, status, 0, flags, visit, day, member, billed, e, d, fund));
        _emitDecision(id, inst.account, status | (flags << 16) | (visit << 24) | amounts, lines);
        if (flags == 0) {
            uint256 home = (pw >> 32) & Packed.M32;
            if (home != inst.region && fund != 0) _bookCross(l, inst.account, home, fund);
            return (next, id, status, fund);
        }
        // what review and appeal will need to know about the person
        l.claimExtra[id] = ((pw >> 32) & Packed.M32) | (((pw >> 128) & 0xff) << 32);
        if (flags & Adj.FLAG_VISIT_LIMIT != 0) emit Alert(id, A_VISIT_LIMIT, inst.account);
        if (flags & Adj.FLAG_REVIEW_THRESHOLD != 0) emit Alert(id, A_REVIEW_THRESHOLD, inst.account);
        if (flags & Adj.FLAG_INSTITUTION_GRADE != 0) emit Alert(id, A_INSTITUTION_GRADE, inst.account);
        return (next, id, status, 0);
    }

    /// @dev The storage slot of `m[key]` (Solidity's mapping layout), so a value read and then
    /// written is hashed once.
    function _slotOf(mapping(bytes32 => uint256) storage m, bytes32 key) private pure returns (uint256 slot) {
        assembly ("memory-safe") {
            mstore(0x00, key)
            mstore(0x20, m.slot)
            slot := keccak256(0x00, 0x40)
        }
    }

    function _slotOf64(mapping(uint64 => uint256) storage m, uint64 key) private pure returns (uint256 slot) {
        assembly ("memory-safe") {
            mstore(0x00, key)
            mstore(0x20, m.slot)
            slot := keccak256(0x00, 0x40)
        }
    }

    function _sload(uint256 slot) private view returns (uint256 v) {
        assembly ("memory-safe") {
            v := sload(slot)
        }
    }

    function _sstore(uint256 slot, uint256 v) private {
        assembly ("memory-safe") {
            sstore(slot, v)
        }
    }

    /// @dev The stored claim word (layout: Packed.sol).
    function _claimWord(
        Inst memory inst,
        uint256 status,
        uint256 reason,
        uint256 flags,
        uint256 visit,
        uint256 day,
        uint256 member,
        uint256 billed,
        uint256 e,
        uint256 d,
        uint256 fund
    ) private pure returns (uint256) {
        return status | (reason << 3) | (flags << 8) | (visit << 11) | (day << 13) | (member << 35)
            | (inst.index << 67) | (inst.epoch << 91) | (billed << 107) | (e << 143) | (d << 179) | (fund << 215);
    }

    function _emitDecision(bytes32 id, address institution, uint256 decision, uint256[] memory lines) private {
        emit ClaimDecided(id, institution, decision, lines[0]);
        uint256 n = lines.length;
        if (n > 1) {
            uint256[] memory more = new uint256[](n - 1);
            for (uint256 i = 1; i < n; ++i) {
                more[i - 1] = lines[i];
            }
            emit ClaimLines(id, more);
        }
    }

    /// @dev §2 for every line, in order. Returns E, the packed line results (six per word) and a
    /// bit per interval-limited line that was eligible (its last service day is recorded if the
    /// claim counts).
    function _lines(
        Layout storage l,
        uint256 region,
        bytes32[] calldata words,
        uint256 o,
        uint256 visit,
        uint256 day,
        uint256 member,
        uint256 a
    ) private view returns (uint256 e, uint256[] memory out, uint256 record) {
        uint256 nl = (_word(words, o + 3) >> 72) & 0xff;
        uint256 words6;
        uint256 base;
        unchecked {
            words6 = (nl + 5) / 6;
            base = o + CLAIM_HEAD;
        }
        out = new uint256[](words6);
        mapping(bytes32 => uint256) storage catalogue = l.items[uint32(region)];
        uint256 classB = Packed.classB(a);
        for (uint256 i; i < nl;) {
            bytes32 code;
            uint256 at;
            unchecked {
                at = base + 2 * i;
            }
            code = bytes32(_word(words, at));
            uint256 item = catalogue[code];
            uint256 notes;
            uint256 eligible;
            if (item & 1 == 0) {
                notes = Adj.NOT_IN_CATALOGUE;
            } else if (Packed.itemCategory(item) == 2) {
                notes = Adj.CATEGORY_C;
            } else if (visit != Adj.INPATIENT && Packed.itemInpatientOnly(item)) {
                notes = Adj.INPATIENT_ONLY;
            } else {
                uint256 interval = Packed.itemMinInterval(item);
                if (interval != 0 && _tooSoon(l, words, base, i, code, interval, member, day)) {
                    notes = Adj.TOO_SOON;
                } else {
                    uint256 qp;
                    unchecked {
                        qp = _word(words, at + 1);
                    }
                    (eligible, notes) = Adj.eligibleOf(item, qp & Packed.M32, (qp >> 32) & Packed.M64, classB);
                    if (interval != 0) record |= 1 << i;
                }
            }
            unchecked {
                e += eligible; // ≤ billed < 2**36
                uint256 wi = i / 6;
                uint256 shifted = (notes | (eligible << 6)) << (42 * (i - 6 * wi));
                assembly ("memory-safe") {
                    // out has (nl + 5) / 6 words and wi < that: no bounds check needed
                    let slot := add(add(out, 0x20), shl(5, wi))
                    mstore(slot, or(mload(slot), shifted))
                }
                ++i;
            }
        }
    }

    /// @dev TOO_SOON: an earlier line of this claim has the same item, or the person's last
    /// eligible service of it is less than `interval` days before (or after) this one.
    function _tooSoon(
        Layout storage l,
        bytes32[] calldata words,
        uint256 base,
        uint256 i,
        bytes32 code,
        uint256 interval,
        uint256 member,
        uint256 day
    ) private view returns (bool) {
        for (uint256 j; j < i; ++j) {
            if (bytes32(_word(words, base + 2 * j)) == code) return true;
        }
        uint256 last = l.lastService[uint32(member)][code];
        return last != 0 && day < last + interval;
    }

    /// @dev Record the service day of the interval-limited lines marked in `record`.
    function _recordLast(
        Layout storage l,
        bytes32[] calldata words,
        uint256 o,
        uint256 member,
        uint256 day,
        uint256 record
    ) private {
        mapping(bytes32 => uint32) storage last = l.lastService[uint32(member)];
        uint256 base = o + CLAIM_HEAD;
        for (uint256 i; record != 0; ++i) {
            if (record & 1 != 0) last[bytes32(_word(words, base + 2 * i))] = uint32(day);
            record >>= 1;
        }
    }

    function _hasFiling(Layout storage l, bytes32 person, uint256 region, uint256 day) private view returns (bool) {
        uint256 n = l.people[person].filingCount;
        for (uint256 i; i < n; ++i) {
            IRegistry.Filing storage f = l.filings[person][i];
            if (f.region == region && f.from <= day && day <= f.to) return true;
        }
        return false;
    }

    /// @dev An approved fund share of a person from another region: owed by the home region
    /// once settled. The list of home regions is bounded by the number of regions.
    function _bookCross(Layout storage l, address institution, uint256 home, uint256 fund) private {
        mapping(uint32 => uint256) storage pending = l.crossPending[institution];
        uint256 before = pending[uint32(home)];
        if (before == 0) l.crossHomes[institution].push(uint32(home));
        pending[uint32(home)] = before + fund;
    }

    /// @dev §8: add a counted claim to its person's year.
    function _count(uint256 k, uint256 visit, uint256 d, uint256 fund, uint256 month) private pure returns (uint256) {
        unchecked {
            k += fund << 48;
            if (visit != Adj.INPATIENT) {
                k += d + (fund << 96);
                uint256 shift = 144 + 9 * (month - 1);
                if ((k >> shift) & Packed.VISIT_MAX != Packed.VISIT_MAX) k += 1 << shift; // saturates at 511
            }
        }
        return k;
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
