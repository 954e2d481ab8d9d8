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

    /// @dev What a claim needs to know about its institution, read once per transaction.
    struct Inst {
        address account;
        uint256 region;
        uint256 index;
        uint256 level;
        uint256 status;
        uint256 grade;
        uint256 epoch;
    }

    /// @dev Working state of one decision.
    struct Work {
        bytes32 id;
        uint256 billed;
        uint256 today;
        uint256 member;
        uint256 homeRegion;
        uint256 month;
        uint256 policyA;
        uint256 policyB;
        uint256 counters;
        uint64 counterKey;
        uint256 visit;
        uint256 e;
        uint256 d;
        uint256 fund;
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
    function submitClaim(Claim calldata c) external returns (bytes32 claimId, uint8 status) {
        (Institution storage stored, Inst memory inst) = _caller();
        uint256 fund;
        (claimId, status, fund) = _decide(inst, c, Days.today());
        if (status == APPROVED) {
            stored.payableFund += uint64(fund);
            stored.pendingClaims += 1;
        }
    }

    /// @inheritdoc IClaims
    function submitClaims(Claim[] calldata cs) external {
        uint256 n = cs.length;
        if (n == 0 || n > MAX_CLAIMS) revert IRegistry.BatchSizeInvalid(n, MAX_CLAIMS);
        (Institution storage stored, Inst memory inst) = _caller();
        uint256 today = Days.today();
        uint256 payable_;
        uint256 approved;
        for (uint256 i; i < n; ++i) {
            (, uint8 status, uint256 fund) = _decide(inst, cs[i], today);
            if (status == APPROVED) {
                payable_ += fund;
                ++approved;
            }
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

    function _caller() private view returns (Institution storage stored, Inst memory inst) {
        stored = _layout().institutions[msg.sender];
        if (!stored.exists) revert IRegistry.InstitutionUnknown(msg.sender);
        inst = Inst(msg.sender, stored.region, stored.index, stored.level, stored.status, stored.grade, stored.epoch);
    }

    /// @dev Malformed input reverts (nothing recorded); returns the claim's billed total.
    function _validate(bytes32 id, Claim calldata c, uint256 level) private pure returns (uint256 billed) {
        Line[] calldata lines = c.lines;
        uint256 n = lines.length;
        if (n == 0) revert ClaimWithoutLines(id);
        unchecked {
            // qty < 2**32 and unitPrice < 2**64: a line is < 2**96, the sum of < 2**64 lines cannot overflow
            for (uint256 i; i < n; ++i) {
                Line calldata line = lines[i];
                uint256 q = line.qty;
                if (q == 0) revert ClaimLineQuantityZero(id, i);
                billed += q * line.unitPrice;
            }
        }
        if (billed > Packed.M36) revert ClaimAmountTooLarge(id);
        uint8 visit = c.visit;
        if (visit > 2) revert VisitTypeInvalid(id, visit);
        uint32 discharge = c.dischargeDay;
        if (visit == Adj.INPATIENT) {
            if (discharge == 0) revert DischargeMissing(id);
            uint32 admission = c.serviceDay;
            if (discharge < admission) revert DischargeBeforeAdmission(id, admission, discharge);
            if (level == 0) revert VisitTypeNotOffered(id, visit);
        } else if (discharge != 0) {
            revert DischargeNotInpatient(id);
        }
    }

    /// @dev Decide, record and announce one claim. Returns its status and fund share.
    function _decide(Inst memory inst, Claim calldata c, uint256 today)
        private
        returns (bytes32 id, uint8 status, uint256 fund)
    {
        Work memory w;
        id = claimIdOf(inst.account, c.invoice);
        w.id = id;
        w.billed = _validate(id, c, inst.level);
        w.today = today;
        Layout storage l = _layout();
        if (l.claims[id] != 0) {
            emit ClaimDecided(id, inst.account, REJECTED | (R_DUPLICATE << 8) | (uint256(c.visit) << 24) | (w.billed << 64), new uint256[](0));
            emit Alert(id, A_DUPLICATE, inst.account);
            return (id, uint8(REJECTED), 0);
        }
        uint256 reason = _claimChecks(l, inst, c, w);
        if (reason != 0) {
            w.visit = c.visit;
            _store(l, w, inst, c.serviceDay, REJECTED, reason, 0);
            emit ClaimDecided(id, inst.account, _decision(w, REJECTED, reason, 0), new uint256[](0));
            return (id, uint8(REJECTED), 0);
        }
        return _adjudicate(l, inst, c, w);
    }

    /// @dev §1 claim checks after DUPLICATE, in order; 0 when all pass. Loads person and policy.
    function _claimChecks(Layout storage l, Inst memory inst, Claim calldata c, Work memory w)
        private
        view
        returns (uint256)
    {
        if (inst.status != STATUS_ACTIVE || inst.grade == GRADE_E) return R_INSTITUTION_INACTIVE;
        Person storage p = l.people[c.person];
        uint256 member = p.index;
        if (member == 0) return R_NOT_ENROLLED;
        w.member = member;
        w.homeRegion = p.region;
        if (p.status != STATUS_ACTIVE) return R_PATIENT_INACTIVE;
        uint256 day = c.serviceDay;
        if (day > w.today || c.dischargeDay > w.today) return R_FUTURE_SERVICE;
        uint256 coverageFrom = p.coverageFrom;
        if (day < coverageFrom || day > p.coverageTo) return R_NOT_COVERED;
        (bool found, uint256 a, uint256 b) = _policyAt(l, _policyKey(p.region, p.scheme), day);
        if (!found) return R_NO_POLICY;
        w.policyA = a;
        w.policyB = b;
        if (w.today - day > Packed.maxClaimAge(b)) return R_STALE_CLAIM;
        if (day < coverageFrom + Packed.waitingDays(a)) return R_WAITING_PERIOD;
        return 0;
    }

    /// @dev The version in force on `day`: the newest one (one or two slots), or a binary
    /// search over the versions (log₂ of their number) for days before the newest started.
    function _policyAt(Layout storage l, uint64 key, uint256 day) private view returns (bool, uint256, uint256) {
        uint256[2] storage latest = l.latestPolicy[key];
        uint256 a = latest[0];
        if (Packed.effectiveFrom(a) <= day) {
            uint256 b = latest[1];
            if (b != 0) return (true, a, b);
            return (false, 0, 0);
        }
        uint256[2][] storage versions = l.policyVersions[key];
        uint256 lo;
        uint256 hi = versions.length;
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            if (Packed.effectiveFrom(versions[mid][0]) <= day) lo = mid + 1;
            else hi = mid;
        }
        if (lo == 0) return (false, 0, 0);
        return (true, versions[lo - 1][0], versions[lo - 1][1]);
    }

    /// @dev §2–§8 for a claim that passed the checks.
    function _adjudicate(Layout storage l, Inst memory inst, Claim calldata c, Work memory w)
        private
        returns (bytes32, uint8, uint256)
    {
        (uint256 year, uint256 month) = Days.yearMonth(uint32(c.serviceDay));
        w.month = month;
        w.counterKey = (uint64(w.member) << 16) | uint64(year);
        w.counters = l.counters[w.counterKey];
        w.visit = c.visit;

        (uint256[] memory lines, bytes32[] memory touched) = _lines(l, inst.region, c, w);
        w.d = Adj.deductible(w.visit, w.e, w.policyA, w.policyB, inst.level, Packed.dedUsed(w.counters));
        bool cut = inst.region != w.homeRegion && !_hasFiling(l, c.person, inst.region, c.serviceDay);
        uint256 r = Adj.ratio(w.visit, w.policyA, w.policyB, inst.level, cut);
        w.fund = Adj.fundShare(w.visit, w.e, w.d, r, w.policyA, w.counters);

        if (c.hasClaimedFund && c.claimedFund > w.fund) {
            _store(l, w, inst, c.serviceDay, REJECTED, R_OVERCLAIM, 0);
            emit ClaimDecided(w.id, inst.account, _decision(w, REJECTED, R_OVERCLAIM, 0), lines);
            emit Alert(w.id, A_OVERCLAIM, inst.account);
            return (w.id, uint8(REJECTED), 0);
        }

        uint256 flags =
            Adj.flags(w.visit, w.fund, w.policyA, w.policyB, inst.grade, Packed.visits(w.counters, month));
        uint256 status = flags == 0 ? APPROVED : FLAGGED;
        l.counters[w.counterKey] = _count(w.counters, w.visit, w.d, w.fund, month);
        for (uint256 i; i < touched.length && touched[i] != bytes32(0); ++i) {
            l.lastService[uint32(w.member)][touched[i]] = uint32(c.serviceDay);
        }
        _store(l, w, inst, c.serviceDay, status, 0, flags);
        emit ClaimDecided(w.id, inst.account, _decision(w, status, 0, flags), lines);
        if (flags != 0) {
            if (flags & Adj.FLAG_VISIT_LIMIT != 0) emit Alert(w.id, A_VISIT_LIMIT, inst.account);
            if (flags & Adj.FLAG_REVIEW_THRESHOLD != 0) emit Alert(w.id, A_REVIEW_THRESHOLD, inst.account);
            if (flags & Adj.FLAG_INSTITUTION_GRADE != 0) emit Alert(w.id, A_INSTITUTION_GRADE, inst.account);
        }
        return (w.id, uint8(status), w.fund);
    }

    /// @dev §2 for every line, in order. Returns E, the packed line results and the
    /// interval-limited codes that were eligible (to record if the claim counts).
    function _lines(Layout storage l, uint256 region, Claim calldata c, Work memory w)
        private
        view
        returns (uint256[] memory out, bytes32[] memory touched)
    {
        uint256 e;
        uint256 n = c.lines.length;
        out = new uint256[]((n + 5) / 6);
        touched = new bytes32[](n);
        uint256 nTouched;
        uint256 classB = Packed.classB(w.policyB);
        mapping(bytes32 => uint256) storage catalogue = l.items[uint32(region)];
        Line[] calldata cl = c.lines;
        bool inpatient = c.visit == Adj.INPATIENT;
        for (uint256 i; i < n;) {
            Line calldata line = cl[i];
            bytes32 code = line.code;
            uint256 item = catalogue[code];
            uint256 notes;
            uint256 eligible;
            if (item & 1 == 0) {
                notes = Adj.NOT_IN_CATALOGUE;
            } else if (Packed.itemCategory(item) == 2) {
                notes = Adj.CATEGORY_C;
            } else if (!inpatient && Packed.itemInpatientOnly(item)) {
                notes = Adj.INPATIENT_ONLY;
            } else {
                uint256 interval = Packed.itemMinInterval(item);
                if (interval != 0 && _tooSoon(l, w, code, interval, c.serviceDay, touched, nTouched)) {
                    notes = Adj.TOO_SOON;
                } else {
                    (eligible, notes) = Adj.eligibleOf(item, line.qty, line.unitPrice, classB);
                    if (interval != 0) touched[nTouched++] = code;
                }
            }
            unchecked {
                e += eligible; // ≤ billed < 2**36
                out[i / 6] |= (notes | (eligible << 6)) << (42 * (i % 6));
                ++i;
            }
        }
        w.e = e;
    }

    function _tooSoon(
        Layout storage l,
        Work memory w,
        bytes32 code,
        uint256 interval,
        uint256 day,
        bytes32[] memory touched,
        uint256 nTouched
    ) private view returns (bool) {
        for (uint256 j; j < nTouched; ++j) {
            if (touched[j] == code) return true; // same item earlier in this claim
        }
        uint256 last = l.lastService[uint32(w.member)][code];
        return last != 0 && day < last + interval;
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
        k += fund << 48;
        if (visit != Adj.INPATIENT) {
            k += d + (fund << 96);
            uint256 shift = 144 + 9 * (month - 1);
            if ((k >> shift) & Packed.VISIT_MAX != Packed.VISIT_MAX) k += 1 << shift; // saturates at 511
        }
        return k;
    }

    function _decision(Work memory w, uint256 status, uint256 reason, uint256 flags) private pure returns (uint256) {
        return status | (reason << 8) | (flags << 16) | (w.visit << 24) | (w.member << 32) | (w.billed << 64)
            | (w.e << 100) | (w.d << 136) | (w.fund << 172);
    }

    function _store(
        Layout storage l,
        Work memory w,
        Inst memory inst,
        uint256 serviceDay,
        uint256 status,
        uint256 reason,
        uint256 flags
    ) private {
        // layout: Packed.sol (claim)
        l.claims[w.id] = status | (reason << 3) | (flags << 8) | (w.visit << 11) | (serviceDay << 13)
            | (w.member << 34) | (inst.index << 66) | (inst.epoch << 90) | (w.billed << 106) | (w.e << 142)
            | (w.d << 178) | (w.fund << 214);
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
