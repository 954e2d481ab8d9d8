// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Reversal} from "./Reversal.sol";
import {ISupervision} from "../interfaces/ISupervision.sol";
import {IClaims} from "../interfaces/IClaims.sol";
import {IRegistry} from "../interfaces/IRegistry.sol";
import {IModule} from "../interfaces/IModule.sol";
import {ISettlement} from "../interfaces/ISettlement.sol";
import {Roles} from "../libraries/Roles.sol";
import {Words} from "../libraries/Words.sol";
import {
    STATUS_APPROVED, STATUS_FLAGGED, STATUS_SETTLED, STATUS_REJECTED, REASON_SUPERVISION,
    INSTITUTION_STATUS_ACTIVE, INSTITUTION_STATUS_SUSPENDED, GRADE_A, GRADE_B, GRADE_C, GRADE_D, GRADE_E,
    CASE_OPEN, CASE_INVESTIGATING, CASE_NOTIFIED, CASE_CONTESTED, CASE_CLOSED, OUTCOME_PENALIZED,
    OUTCOME_DISMISSED, OUTCOME_NO_VIOLATION, SOURCE_REFERRAL
} from "../libraries/Codes.sol";
import {Packed} from "../libraries/Packed.sol";

/// @title SupervisionModule — cases, penalties, fines and credit (supervision.md)
/// @notice Runs inside the ledger's storage by delegatecall. Every loop runs over the claims
/// named in the call or found in the case (at most 200), never over an institution's history:
/// a finalize costs the same whatever came before it.
contract SupervisionModule is Reversal, ISupervision {
    uint256 private constant MAX_CASE_CLAIMS = 200;
    uint256 private constant MARK_LISTED = 1;
    uint256 private constant MARK_FOUND = 2;
    bytes32 private constant CLAWBACK_REASON = "SUPERVISION"; // the reason code of a case's clawbacks

    // ================================================================ parameters

    /// @inheritdoc ISupervision
    function setSupervisionParams(uint32 region, SupervisionParams calldata p) external onlyDelegated {
        _requireRegulator(region);
        if (!(p.floorA > p.floorB && p.floorB > p.floorC && p.floorC > p.floorD)) {
            revert GradeFloorsInvalid(p.floorA, p.floorB, p.floorC, p.floorD);
        }
        _layout().supervision[region] = p;
        emit SupervisionParamsSet(region, p);
    }

    // ================================================================ the case's steps

    /// @inheritdoc ISupervision
    function openCase(
        address institution,
        bytes32[] calldata claims,
        uint8 source,
        bytes32 evidence,
        uint32 byRegion,
        bytes32[] calldata people
    ) external onlyDelegated returns (uint64 caseId) {
        uint256 n = claims.length;
        if (n == 0 || n > MAX_CASE_CLAIMS) revert CaseClaimsInvalid(n, MAX_CASE_CLAIMS);
        Layout storage l = _layout();
        Institution storage inst = l.institutions[institution];
        if (!inst.exists) revert InstitutionUnknown(institution);
        bool referral = source == SOURCE_REFERRAL;
        if (source > SOURCE_REFERRAL || referral == (byRegion == inst.region)) {
            revert CaseSourceInvalid(source, byRegion, inst.region);
        }
        _requireRegulator(byRegion);
        if (people.length != (referral ? n : 0)) revert ReferralPeopleMismatch(n, people.length);
        caseId = ++l.caseCount;
        mapping(bytes32 => uint256) storage listed = l.caseClaims[caseId];
        for (uint256 i; i < n; ++i) {
            bytes32 id = claims[i];
            uint256 w = l.claims[id];
            if (w == 0) revert IClaims.ClaimUnknown(id);
            Packed.Claim memory c = Packed.unpackClaim(w);
            if (c.institution != inst.index) revert ClaimOfOtherInstitution(id, institution);
            if (listed[id] != 0) revert ClaimListedTwice(id);
            if (referral) _checkReferred(l, id, c.member, people[i], byRegion);
            listed[id] = MARK_LISTED;
        }
        Case storage k = l.cases[caseId];
        k.institution = institution;
        k.status = CASE_OPEN;
        k.source = source;
        k.openedOn = _today();
        k.byRegion = byRegion;
        k.claims = uint16(n);
        emit CaseOpened(caseId, institution, msg.sender, source, byRegion, evidence, claims);
    }

    /// @inheritdoc ISupervision
    function addFinding(uint64 caseId, bytes32[] calldata claims, bytes32 code, bytes32 evidence)
        external
        onlyDelegated
    {
        (Case storage k, Institution storage inst) = _caseOfRegulator(caseId);
        _requireStatus(caseId, k, CASE_OPEN, CASE_INVESTIGATING);
        if (code == 0 || !Words.isCode(code)) revert ISettlement.ReasonInvalid(code);
        uint256 n = claims.length;
        if (n == 0 || n > MAX_CASE_CLAIMS) revert CaseClaimsInvalid(n, MAX_CASE_CLAIMS);
        Layout storage l = _layout();
        mapping(bytes32 => uint256) storage listed = l.caseClaims[caseId];
        bytes32[] storage found = l.caseFound[caseId];
        uint256 added = 0;
        for (uint256 i; i < n; ++i) {
            bytes32 id = claims[i];
            uint256 mark = listed[id];
            if (mark == 0) revert ClaimNotInCase(caseId, id);
            if (mark == MARK_FOUND) continue; // found again in this case: nothing changes
            uint256 status = _statusOf(inst, l.claims[id]);
            if (status != STATUS_APPROVED && status != STATUS_FLAGGED && status != STATUS_SETTLED) {
                revert ClaimNotLive(id, uint8(status));
            }
            uint64 other = l.foundIn[id];
            if (other != 0 && l.cases[other].status != CASE_CLOSED) revert ClaimAlreadyFound(id, other);
            listed[id] = MARK_FOUND;
            l.foundIn[id] = caseId;
            found.push(id);
            ++added;
        }
        k.status = CASE_INVESTIGATING;
        k.findings += 1;
        k.found += uint16(added);
        emit CaseFinding(caseId, msg.sender, code, evidence, claims, added);
    }

    /// @inheritdoc ISupervision
    function decide(uint64 caseId, uint8 article, uint16 fineBps, uint16 suspendDays) external onlyDelegated {
        (Case storage k, Institution storage inst) = _caseOfRegulator(caseId);
        _requireStatus(caseId, k, CASE_OPEN, CASE_INVESTIGATING);
        if (k.findings == 0) revert CaseHasNoFinding(caseId);
        _checkFine(article, fineBps);
        Layout storage l = _layout();
        bytes32[] storage found = l.caseFound[caseId];
        uint256 loss = 0;
        for (uint256 i; i < found.length; ++i) {
            uint256 w = l.claims[found[i]];
            uint256 status = _statusOf(inst, w);
            if (status == STATUS_APPROVED || status == STATUS_SETTLED) loss += Packed.unpackClaim(w).fund;
        }
        k.status = CASE_NOTIFIED;
        k.article = article;
        k.fineBps = fineBps;
        k.suspendDays = suspendDays;
        k.decidedOn = _today();
        k.loss = uint64(loss); // ≤ 200 shares of < 2**36 each
        uint256 fine = _fine(loss, fineBps);
        k.fine = uint64(fine);
        emit CaseDecided(caseId, msg.sender, article, fineBps, suspendDays, loss, fine);
    }

    /// @inheritdoc ISupervision
    function contest(uint64 caseId) external onlyDelegated {
        Case storage k = _case(caseId);
        if (k.institution != msg.sender) revert CaseNotOwned(caseId, msg.sender);
        _requireStatus(caseId, k, CASE_NOTIFIED, CASE_NOTIFIED);
        if (k.contested) revert CaseAlreadyContested(caseId);
        uint32 lastDay = k.decidedOn + _params(_layout().institutions[k.institution].region).contestDays;
        uint32 today = _today();
        if (today > lastDay) revert ContestWindowClosed(caseId, lastDay, today);
        k.status = CASE_CONTESTED;
        k.contested = true;
        emit CaseContested(caseId, msg.sender);
    }

    /// @inheritdoc ISupervision
    function rule(uint64 caseId, bool upheld, uint16 fineBps) external onlyDelegated {
        Case storage k = _case(caseId);
        _checkRole(Roles.reviewer(_layout().institutions[k.institution].region));
        _requireStatus(caseId, k, CASE_CONTESTED, CASE_CONTESTED);
        if (!upheld) {
            k.status = CASE_CLOSED;
            k.outcome = OUTCOME_DISMISSED;
            emit CaseRuled(caseId, msg.sender, false, k.fineBps, k.fine);
            emit CaseClosed(caseId, msg.sender, OUTCOME_DISMISSED);
            return;
        }
        if (fineBps != 0) {
            _checkFine(k.article, fineBps);
            k.fineBps = fineBps;
            k.fine = uint64(_fine(k.loss, fineBps));
        }
        k.status = CASE_NOTIFIED;
        k.upheld = true;
        emit CaseRuled(caseId, msg.sender, true, k.fineBps, k.fine);
    }

    /// @inheritdoc ISupervision
    function finalize(uint64 caseId) external onlyDelegated {
        (Case storage k, Institution storage inst) = _caseOfRegulator(caseId);
        _requireStatus(caseId, k, CASE_NOTIFIED, CASE_NOTIFIED);
        SupervisionParams memory p = _params(inst.region);
        uint32 today = _today();
        if (!k.upheld && today <= k.decidedOn + p.contestDays) {
            revert FinalizeTooEarly(caseId, k.decidedOn + p.contestDays + 1, today);
        }
        address institution = k.institution;
        _reverseFound(caseId, institution, inst);
        Sanctions storage s = _layout().sanctions[institution];
        if (k.fine != 0) {
            s.finesOwed += k.fine;
            emit FineOwed(institution, caseId, k.fine, s.finesOwed);
        }
        if (k.suspendDays != 0) {
            uint32 until = today + k.suspendDays;
            s.suspendedUntil = until;
            if (inst.status == INSTITUTION_STATUS_ACTIVE) {
                inst.status = INSTITUTION_STATUS_SUSPENDED;
                emit IRegistry.InstitutionStatusChanged(
                    institution, INSTITUTION_STATUS_ACTIVE, INSTITUTION_STATUS_SUSPENDED, k.article
                );
            }
            emit InstitutionSuspended(institution, caseId, until);
        }
        _loseCredit(caseId, institution, inst, p, k.article == 38 ? p.pointsArt38 : p.pointsArt40, today);
        k.status = CASE_CLOSED;
        k.outcome = OUTCOME_PENALIZED;
        emit CaseClosed(caseId, msg.sender, OUTCOME_PENALIZED);
    }

    /// @inheritdoc ISupervision
    function closeCase(uint64 caseId) external onlyDelegated {
        (Case storage k,) = _caseOfRegulator(caseId);
        _requireStatus(caseId, k, CASE_OPEN, CASE_INVESTIGATING);
        k.status = CASE_CLOSED;
        k.outcome = OUTCOME_NO_VIOLATION;
        emit CaseClosed(caseId, msg.sender, OUTCOME_NO_VIOLATION);
    }

    /// @inheritdoc ISupervision
    function payFine(address institution, uint256 amount, bytes32 paymentRef) external onlyDelegated {
        _institutionOfRegulator(institution);
        if (amount == 0) revert ISettlement.AmountZero();
        Sanctions storage s = _layout().sanctions[institution];
        uint256 owed = s.finesOwed;
        if (amount > owed) revert FineExceedsOwed(institution, amount, owed);
        s.finesOwed = uint64(owed - amount);
        s.finesPaid += uint64(amount);
        emit FinePaid(institution, msg.sender, amount, owed - amount, paymentRef);
    }

    // ================================================================ views

    /// @inheritdoc ISupervision
    function caseInfo(uint64 caseId) external view returns (CaseView memory) {
        Case storage k = _case(caseId);
        return CaseView(
            caseId, k.institution, k.status, k.outcome, k.source, k.article, k.fineBps, k.suspendDays, k.openedOn,
            k.decidedOn, k.byRegion, k.contested, k.upheld, k.claims, k.found, k.findings, k.loss, k.fine
        );
    }

    /// @inheritdoc ISupervision
    function caseFound(uint64 caseId) external view returns (bytes32[] memory) {
        _case(caseId);
        return _layout().caseFound[caseId];
    }

    /// @inheritdoc ISupervision
    function caseOfClaim(bytes32 claimId) external view returns (uint64) {
        return _layout().foundIn[claimId];
    }

    /// @inheritdoc ISupervision
    function caseCount() external view returns (uint64) {
        return _layout().caseCount;
    }

    /// @inheritdoc ISupervision
    function finesOf(address institution) external view returns (uint64 owed, uint64 paid, uint32 suspendedUntil) {
        if (!_layout().institutions[institution].exists) revert InstitutionUnknown(institution);
        Sanctions storage s = _layout().sanctions[institution];
        return (s.finesOwed, s.finesPaid, s.suspendedUntil);
    }

    /// @inheritdoc ISupervision
    function creditOf(address institution, uint16 year) external view returns (int256) {
        Institution storage inst = _layout().institutions[institution];
        if (!inst.exists) revert InstitutionUnknown(institution);
        Credit storage c = _layout().credit[institution][year];
        return c.set ? int256(c.score) : int256(uint256(_params(inst.region).creditBase));
    }

    /// @inheritdoc ISupervision
    function supervisionParams(uint32 region) external view returns (SupervisionParams memory) {
        _requireRegion(region);
        return _params(region);
    }

    /// @inheritdoc IModule
    function moduleSelectors() external pure override returns (bytes4[] memory) {
        return _selectors(
            abi.encodePacked(
                this.setSupervisionParams.selector, this.openCase.selector, this.addFinding.selector,
                this.decide.selector, this.contest.selector, this.rule.selector, this.finalize.selector,
                this.closeCase.selector, this.payFine.selector, this.caseInfo.selector, this.caseFound.selector,
                this.caseOfClaim.selector, this.caseCount.selector, this.finesOf.selector, this.creditOf.selector,
                this.supervisionParams.selector
            )
        );
    }

    // ================================================================ internals

    function _case(uint64 caseId) private view returns (Case storage k) {
        k = _layout().cases[caseId];
        if (k.status == 0) revert CaseUnknown(caseId);
    }

    /// @dev The case and its institution, the sender being a regulator of the institution's region.
    function _caseOfRegulator(uint64 caseId) private view returns (Case storage k, Institution storage inst) {
        k = _case(caseId);
        inst = _institutionOfRegulator(k.institution);
    }

    function _requireStatus(uint64 caseId, Case storage k, uint8 a, uint8 b) private view {
        uint8 status = k.status;
        if (status != a && status != b) revert CaseStateInvalid(caseId, status);
    }

    /// @dev The claim word's status as `claimInfo` reads it (APPROVED and paid: SETTLED).
    function _statusOf(Institution storage inst, uint256 w) private view returns (uint256 status) {
        Packed.Claim memory c = Packed.unpackClaim(w);
        status = c.status;
        if (status == STATUS_APPROVED && c.epoch < inst.epoch) status = STATUS_SETTLED;
    }

    /// @dev A referred claim's person is the one named, and from the referring region.
    function _checkReferred(Layout storage l, bytes32 id, uint256 member, bytes32 person, uint32 byRegion)
        private
        view
    {
        Person storage p = l.people[person];
        bool theirs = p.index != 0 && p.index == member;
        if (!theirs || p.region != byRegion) revert ReferralOutsideRegion(id, person, theirs ? p.region : 0, byRegion);
    }

    function _checkFine(uint8 article, uint16 fineBps) private pure {
        if (article != 38 && article != 40) revert ArticleInvalid(article);
        (uint16 lo, uint16 hi) = article == 38 ? (10_000, 20_000) : (20_000, 50_000);
        if (fineBps < lo || fineBps > hi) revert FineBpsOutOfBounds(article, fineBps, lo, hi);
    }

    function _fine(uint256 loss, uint16 fineBps) private pure returns (uint256) {
        return loss * fineBps / 10_000;
    }

    /// @dev supervision.md "What finalize executes" 1: each found claim still live is clawed
    /// back (SETTLED) or rejected with reason SUPERVISION (APPROVED, FLAGGED), counts reversed.
    function _reverseFound(uint64 caseId, address institution, Institution storage inst) private {
        Layout storage l = _layout();
        bytes32[] storage found = l.caseFound[caseId];
        for (uint256 i; i < found.length; ++i) {
            bytes32 id = found[i];
            Packed.Claim memory c = Packed.unpackClaim(l.claims[id]);
            uint256 status = c.status;
            if (status == STATUS_APPROVED && c.epoch < inst.epoch) {
                _clawBack(id, c, institution, inst, CLAWBACK_REASON, bytes32(uint256(caseId)));
                continue;
            }
            if (status != STATUS_APPROVED && status != STATUS_FLAGGED) continue; // no longer live
            if (status == STATUS_APPROVED) _withdrawApproved(id, c, institution, inst);
            _reverseCounts(l, c);
            c.status = STATUS_REJECTED;
            c.reason = REASON_SUPERVISION;
            l.claims[id] = Packed.packClaim(c);
            emit CaseClaimRejected(id, caseId, uint8(status), c.fund);
        }
    }

    /// @dev supervision.md "What finalize executes" 4: the year's score loses `points`; the grade
    /// becomes the worse of the current one and the score's.
    function _loseCredit(
        uint64 caseId,
        address institution,
        Institution storage inst,
        SupervisionParams memory p,
        uint256 points,
        uint32 today
    ) private {
        uint16 year = uint16(_year(today));
        Credit storage c = _layout().credit[institution][year];
        int256 before = c.set ? int256(c.score) : int256(uint256(p.creditBase));
        int64 score = int64(before - int256(points)); // at most 2**16 − 1 points a case: 2**47 cases to overflow
        c.set = true;
        c.score = score;
        emit CreditScoreChanged(institution, caseId, year, score);
        uint8 grade = _gradeOf(p, score);
        uint8 from = inst.grade;
        if (grade > from) {
            inst.grade = grade;
            emit IRegistry.InstitutionGradeChanged(institution, from, grade);
        }
    }

    function _gradeOf(SupervisionParams memory p, int256 score) private pure returns (uint8) {
        if (score >= int256(uint256(p.floorA))) return GRADE_A;
        if (score >= int256(uint256(p.floorB))) return GRADE_B;
        if (score >= int256(uint256(p.floorC))) return GRADE_C;
        if (score >= int256(uint256(p.floorD))) return GRADE_D;
        return GRADE_E;
    }

    /// @dev A region's parameters: those its regulator set, or supervision.md's defaults.
    function _params(uint32 region) private view returns (SupervisionParams memory p) {
        p = _layout().supervision[region];
        if (p.floorA == 0) p = SupervisionParams(15, 10, 30, 100, 90, 80, 70, 60);
    }
}
