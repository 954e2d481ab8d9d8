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
        uint256 status;
        uint256 grade;
        uint256 epoch;
        uint256 today;
    }

    /// @dev One decision in progress.
    struct Work {
        bytes32 id;
        uint256 o; // offset of the claim's first word
        uint256 meta;
        uint256 visit;
        uint256 day;
        uint256 lineCount;
        uint256 billed;
        uint256 member;
        uint256 homeRegion;
        uint256 scheme;
        uint256 policyA;
        uint256 counters;
        uint256 counterKey;
        uint256 month;
        uint256 e;
        uint256 d;
        uint256 fund;
        uint256 record; // bit i: line i is an interval-limited item that was eligible
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
            msg.sender, stored.region, stored.index, stored.level, stored.status, stored.grade, stored.epoch, Days.today()
        );
        uint256 n = words.length;
        uint256 o;
        uint256 count;
        uint256 payable_;
        uint256 approved;
        while (o < n) {
            if (++count > MAX_CLAIMS) revert IRegistry.BatchSizeInvalid(count, MAX_CLAIMS);
            Work memory w;
            w.o = o;
            _decide(inst, words, w);
            claimId = w.id;
            status = uint8(w.meta); // _decide leaves the status here
            if (status == APPROVED) {
                payable_ += w.fund;
                ++approved;
            }
            o += CLAIM_HEAD + 2 * w.lineCount;
        }
        if (count == 0) revert IRegistry.BatchSizeInvalid(0, MAX_CLAIMS);
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

    /// @dev Parse and check the claim at `w.o`: malformed input reverts (nothing recorded).
    function _parse(Inst memory inst, bytes32[] calldata words, Work memory w) private pure {
        uint256 o = w.o;
        if (o + CLAIM_HEAD > words.length) revert ClaimTruncated(o);
        uint256 meta = _word(words, o + 3);
        uint256 nl = (meta >> 72) & 0xff;
        if (o + CLAIM_HEAD + 2 * nl > words.length) revert ClaimTruncated(o);
        bytes32 id = claimIdOf(inst.account, bytes32(_word(words, o)));
        w.id = id;
        w.meta = meta;
        w.lineCount = nl;
        if (nl == 0) revert ClaimWithoutLines(id);
        uint256 billed;
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
        w.billed = billed;
        uint256 visit = meta & 0xff;
        if (visit > 2) revert VisitTypeInvalid(id, uint8(visit));
        w.visit = visit;
        uint256 day = (meta >> 8) & Packed.M32;
        w.day = day;
        uint256 discharge = (meta >> 40) & Packed.M32;
        if (day > Packed.M22 || discharge > Packed.M22) revert ClaimDateInvalid(id, uint32(day > Packed.M22 ? day : discharge));
        if (visit == Adj.INPATIENT) {
            if (discharge == 0) revert DischargeMissing(id);
            if (discharge < day) revert DischargeBeforeAdmission(id, uint32(day), uint32(discharge));
            if (inst.level == 0) revert VisitTypeNotOffered(id, uint8(visit));
        } else if (discharge != 0) {
            revert DischargeNotInpatient(id);
        }
    }

    /// @dev Decide, record and announce the claim at `w.o`. Leaves the status in `w.meta`.
    function _decide(Inst memory inst, bytes32[] calldata words, Work memory w) private {
        _parse(inst, words, w);
        Layout storage l = _layout();
        if (l.claims[w.id] != 0) {
            emit ClaimDecided(w.id, inst.account, REJECTED | (R_DUPLICATE << 8) | (w.visit << 24) | (w.billed << 64), 0);
            emit Alert(w.id, A_DUPLICATE, inst.account);
            w.meta = REJECTED;
            return;
        }
        bytes32 person = bytes32(_word(words, w.o + 1));
        uint256 reason = _claimChecks(l, inst, person, w);
        if (reason != 0) {
            _finish(l, inst, w, REJECTED, reason, 0, new uint256[](0));
            return;
        }
        uint256[] memory lines = _lines(l, inst, words, w);
        _money(l, inst, w, person);
        uint256 meta = w.meta;
        if ((meta >> 80) & 1 != 0 && ((meta >> 88) & Packed.M64) > w.fund) {
            _finish(l, inst, w, REJECTED, R_OVERCLAIM, 0, lines);
            emit Alert(w.id, A_OVERCLAIM, inst.account);
            return;
        }
        uint256 flags = Adj.flags(w.visit, w.fund, w.policyA, inst.grade, Packed.visits(w.counters, w.month));
        _countAndRecord(l, words, w);
        _finish(l, inst, w, flags == 0 ? APPROVED : FLAGGED, 0, flags, lines);
        if (flags == 0) {
            if (w.homeRegion != inst.region && w.fund != 0) _bookCross(l, inst.account, w.homeRegion, w.fund);
        } else {
            // what review and appeal will need to know about the person
            l.claimExtra[w.id] = w.homeRegion | (w.scheme << 32);
            if (flags & Adj.FLAG_VISIT_LIMIT != 0) emit Alert(w.id, A_VISIT_LIMIT, inst.account);
            if (flags & Adj.FLAG_REVIEW_THRESHOLD != 0) emit Alert(w.id, A_REVIEW_THRESHOLD, inst.account);
            if (flags & Adj.FLAG_INSTITUTION_GRADE != 0) emit Alert(w.id, A_INSTITUTION_GRADE, inst.account);
        }
    }

    /// @dev An approved fund share of a person from another region: owed by the home region
    /// once settled. The list of home regions is bounded by the number of regions.
    function _bookCross(Layout storage l, address institution, uint256 home, uint256 fund) private {
        mapping(uint32 => uint256) storage pending = l.crossPending[institution];
        uint256 before = pending[uint32(home)];
        if (before == 0) l.crossHomes[institution].push(uint32(home));
        pending[uint32(home)] = before + fund;
    }

    /// @dev §3–§5: deductible, ratio (with the cross-region cut) and fund share.
    function _money(Layout storage l, Inst memory inst, Work memory w, bytes32 person) private view {
        bool cross = inst.region != w.homeRegion && !_hasFiling(l, person, inst.region, w.day);
        uint256 b = (w.visit == Adj.INPATIENT || cross) ? _policyB(w) : 0;
        w.d = Adj.deductible(w.visit, w.e, w.policyA, b, inst.level, Packed.dedUsed(w.counters));
        uint256 r = Adj.ratio(w.visit, w.policyA, b, inst.level, cross);
        w.fund = Adj.fundShare(w.visit, w.e, w.d, r, w.policyA, w.counters);
    }

    /// @dev §8: count the claim in its person's year and record the interval items' last day.
    function _countAndRecord(Layout storage l, bytes32[] calldata words, Work memory w) private {
        l.counters[uint64(w.counterKey)] = _count(w.counters, w.visit, w.d, w.fund, w.month);
        uint256 rec = w.record;
        if (rec != 0) {
            mapping(bytes32 => uint32) storage last = l.lastService[uint32(w.member)];
            uint256 base = w.o + CLAIM_HEAD;
            for (uint256 i; rec != 0; ++i) {
                if (rec & 1 != 0) last[bytes32(_word(words, base + 2 * i))] = uint32(w.day);
                rec >>= 1;
            }
        }
    }

    /// @dev Word B (inpatient, cross-region and appeal fields) of the version in force; read
    /// only when needed, so an outpatient claim at home reads one policy slot.
    function _policyB(Work memory w) private view returns (uint256) {
        return _policyWordB(_policyKey(uint32(w.homeRegion), uint8(w.scheme)), w.day);
    }

    /// @dev §1 claim checks after DUPLICATE, in order; 0 when all pass. Loads person, policy, counters.
    function _claimChecks(Layout storage l, Inst memory inst, bytes32 person, Work memory w)
        private
        view
        returns (uint256)
    {
        if (inst.status != STATUS_ACTIVE || inst.grade == GRADE_E) return R_INSTITUTION_INACTIVE;
        Person storage p = l.people[person];
        uint256 member = p.index;
        if (member == 0) return R_NOT_ENROLLED;
        w.member = member;
        w.homeRegion = p.region;
        w.scheme = p.scheme;
        if (p.status != STATUS_ACTIVE) return R_PATIENT_INACTIVE;
        uint256 day = w.day;
        uint256 today = inst.today;
        if (day > today || ((w.meta >> 40) & Packed.M32) > today) return R_FUTURE_SERVICE;
        uint256 coverageFrom = p.coverageFrom;
        if (day < coverageFrom || day > p.coverageTo) return R_NOT_COVERED;
        uint256 a = _policyWordA(_policyKey(p.region, p.scheme), day);
        if (a == 0) return R_NO_POLICY;
        w.policyA = a;
        unchecked {
            // day ≤ today here; day numbers < 2**32 and waiting days < 2**10
            if (today - day > Packed.maxClaimAge(a)) return R_STALE_CLAIM;
            if (day < coverageFrom + Packed.waitingDays(a)) return R_WAITING_PERIOD;
        }
        (uint256 year, uint256 month) = Days.yearMonth(uint32(day));
        w.month = month;
        w.counterKey = (member << 16) | year;
        w.counters = l.counters[uint64(w.counterKey)];
        return 0;
    }

    /// @dev §2 for every line, in order: sets `w.e` and `w.record`; returns the packed line results.
    function _lines(Layout storage l, Inst memory inst, bytes32[] calldata words, Work memory w)
        private
        view
        returns (uint256[] memory out)
    {
        uint256 n = w.lineCount;
        out = new uint256[]((n + 5) / 6);
        mapping(bytes32 => uint256) storage catalogue = l.items[uint32(inst.region)];
        uint256 e;
        for (uint256 i; i < n;) {
            (uint256 eligible, uint256 notes) = _line(l, catalogue, words, w, i);
            unchecked {
                e += eligible; // ≤ billed < 2**36
                out[i / 6] |= (notes | (eligible << 6)) << (42 * (i % 6));
                ++i;
            }
        }
        w.e = e;
    }

    /// @dev §2 for line `i`; marks it in `w.record` when it is an interval-limited item that was eligible.
    function _line(
        Layout storage l,
        mapping(bytes32 => uint256) storage catalogue,
        bytes32[] calldata words,
        Work memory w,
        uint256 i
    ) private view returns (uint256 eligible, uint256 notes) {
        uint256 at = w.o + CLAIM_HEAD + 2 * i;
        uint256 item = catalogue[bytes32(_word(words, at))];
        if (item & 1 == 0) return (0, Adj.NOT_IN_CATALOGUE);
        if (Packed.itemCategory(item) == 2) return (0, Adj.CATEGORY_C);
        if (w.visit != Adj.INPATIENT && Packed.itemInpatientOnly(item)) return (0, Adj.INPATIENT_ONLY);
        uint256 interval = Packed.itemMinInterval(item);
        if (interval != 0) {
            if (_tooSoon(l, words, w, i, interval)) return (0, Adj.TOO_SOON);
            w.record |= 1 << i;
        }
        uint256 qp = _word(words, at + 1);
        return Adj.eligibleOf(item, qp & Packed.M32, (qp >> 32) & Packed.M64, Packed.classB(w.policyA));
    }

    /// @dev TOO_SOON: an earlier line of this claim has the same item, or the person's last
    /// eligible service of it is less than `interval` days before (or after) this one.
    function _tooSoon(Layout storage l, bytes32[] calldata words, Work memory w, uint256 i, uint256 interval)
        private
        view
        returns (bool)
    {
        uint256 base = w.o + CLAIM_HEAD;
        bytes32 code = bytes32(_word(words, base + 2 * i));
        for (uint256 j; j < i; ++j) {
            if (bytes32(_word(words, base + 2 * j)) == code) return true;
        }
        uint256 last = l.lastService[uint32(w.member)][code];
        return last != 0 && w.day < last + interval;
    }

    function _hasFiling(Layout storage l, bytes32 person, uint256 region, uint256 day) private view returns (bool) {
        uint256 n = l.people[person].filingCount;
        for (uint256 i; i < n; ++i) {
            IRegistry.Filing storage f = l.filings[person][i];
            if (f.region == region && f.from <= day && day <= f.to) return true;
        }
        return false;
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

    /// @dev Store the claim (layout: Packed.sol) and emit its decision.
    function _finish(
        Layout storage l,
        Inst memory inst,
        Work memory w,
        uint256 status,
        uint256 reason,
        uint256 flags,
        uint256[] memory lines
    ) private {
        l.claims[w.id] = status | (reason << 3) | (flags << 8) | (w.visit << 11) | (w.day << 13) | (w.member << 35)
            | (inst.index << 67) | (inst.epoch << 91) | (w.billed << 107) | (w.e << 143) | (w.d << 179) | (w.fund << 215);
        emit ClaimDecided(
            w.id,
            inst.account,
            status | (reason << 8) | (flags << 16) | (w.visit << 24) | (w.member << 32) | (w.billed << 64) | (w.e << 100)
                | (w.d << 136) | (w.fund << 172),
            lines.length == 0 ? 0 : lines[0]
        );
        if (lines.length > 1) {
            uint256[] memory more = new uint256[](lines.length - 1);
            for (uint256 i = 1; i < lines.length; ++i) {
                more[i - 1] = lines[i];
            }
            emit ClaimLines(w.id, more);
        }
        w.meta = status;
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
