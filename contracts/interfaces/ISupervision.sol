// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IErrors} from "./IErrors.sol";

/// @title ISupervision — supervision cases, penalties, fines and credit (监管闭环),
/// as ../shared/docs/supervision.md defines them
/// @notice A lead, a tip, an inspection or another region's referral becomes a case on one
/// institution and some of its claims. The regulator of the institution's region records
/// findings (claims found, a finding code, an evidence hash), decides the penalty (article,
/// fine in bps of the loss, suspension days), hears a contest (a reviewer of that region rules
/// on it) and finalizes: found claims still live are clawed back (SETTLED) or rejected with
/// reason SUPERVISION (APPROVED, FLAGGED), the fine is owed, the institution is suspended and
/// loses credit points for the year, its grade never better than before. Money in fen; days
/// are day numbers (days since 1970-01-01, China Standard Time). Fines are paid to the
/// treasury and never enter a fund.
interface ISupervision is IErrors {
    /// @notice A region's supervision parameters (supervision.md §Parameters). Grade floors:
    /// a score ≥ floorA is grade A, … ≥ floorD is D, below floorD E.
    struct SupervisionParams {
        uint16 contestDays;
        uint16 pointsArt38;
        uint16 pointsArt40;
        uint16 creditBase;
        uint16 floorA;
        uint16 floorB;
        uint16 floorC;
        uint16 floorD;
    }

    /// @notice A case as it stands. `status`: 1 OPEN, 2 INVESTIGATING, 3 NOTIFIED,
    /// 4 CONTESTED, 5 CLOSED; `outcome`: 0 none yet, 1 PENALIZED, 2 DISMISSED, 3 NO_VIOLATION;
    /// `source`: 0 LEAD, 1 TIP, 2 INSPECTION, 3 REFERRAL; `byRegion`: the region whose
    /// regulator opened it (the institution's own, or the referring region).
    struct CaseView {
        uint64 id;
        address institution;
        uint8 status;
        uint8 outcome;
        uint8 source;
        uint8 article; // 0 until decided
        uint16 fineBps;
        uint16 suspendDays;
        uint32 openedOn;
        uint32 decidedOn; // 0 until decided
        uint32 byRegion;
        bool contested;
        bool upheld; // a ruling upheld the decision: it may be finalized at once
        uint16 claims; // claims the case was opened on
        uint16 found; // of them, found in a finding
        uint16 findings;
        uint64 loss;
        uint64 fine;
    }

    /// @notice No case has this id.
    error CaseUnknown(uint64 caseId);
    /// @notice The step is not allowed in the case's status.
    error CaseStateInvalid(uint64 caseId, uint8 status);
    /// @notice A case is opened on 1 to `limit` claims; a finding names 1 to `limit`.
    error CaseClaimsInvalid(uint256 count, uint256 limit);
    /// @notice The claim is listed twice in the claims a case is opened on.
    error ClaimListedTwice(bytes32 claimId);
    /// @notice The claim is not a claim of the case's institution.
    error ClaimOfOtherInstitution(bytes32 claimId, address institution);
    /// @notice Source must be 0 LEAD, 1 TIP, 2 INSPECTION or 3 REFERRAL; REFERRAL exactly when
    /// the opening region `byRegion` is not the institution's region `region`.
    error CaseSourceInvalid(uint8 source, uint32 byRegion, uint32 region);
    /// @notice A referral names each claim's person (one pseudonym per claim, in order), and
    /// only a referral does.
    error ReferralPeopleMismatch(uint256 claims, uint256 people);
    /// @notice The person named for a referred claim is not its person, or is not from the
    /// referring region (`home`: the person's region, 0 when not the claim's person).
    error ReferralOutsideRegion(bytes32 claimId, bytes32 person, uint32 home, uint32 byRegion);
    /// @notice The claim is not one of the case's claims.
    error ClaimNotInCase(uint64 caseId, bytes32 claimId);
    /// @notice A finding names live claims only (APPROVED, FLAGGED, SETTLED); `status` is the
    /// claim's status as `claimInfo` reads it.
    error ClaimNotLive(bytes32 claimId, uint8 status);
    /// @notice The claim is found in another case that is not closed.
    error ClaimAlreadyFound(bytes32 claimId, uint64 otherCase);
    /// @notice A decision needs at least one finding.
    error CaseHasNoFinding(uint64 caseId);
    /// @notice The article must be 38 or 40.
    error ArticleInvalid(uint8 article);
    /// @notice The fine is out of the article's bounds (Art. 38: 10000–20000 bps, Art. 40:
    /// 20000–50000 bps).
    error FineBpsOutOfBounds(uint8 article, uint16 fineBps, uint16 min, uint16 max);
    /// @notice Only the case's institution may contest it.
    error CaseNotOwned(uint64 caseId, address caller);
    /// @notice A case is contested at most once.
    error CaseAlreadyContested(uint64 caseId);
    /// @notice The contest window (decision day + contest_days) has passed.
    error ContestWindowClosed(uint64 caseId, uint32 lastDay, uint32 today);
    /// @notice A case not upheld by a ruling is finalized only after the contest window, from
    /// `firstDay` on.
    error FinalizeTooEarly(uint64 caseId, uint32 firstDay, uint32 today);
    /// @notice More than the institution owes in fines.
    error FineExceedsOwed(address institution, uint256 amount, uint256 owed);
    /// @notice Grade floors must fall strictly from A to D.
    error GradeFloorsInvalid(uint16 floorA, uint16 floorB, uint16 floorC, uint16 floorD);

    /// @notice A region's regulator set its supervision parameters.
    event SupervisionParamsSet(uint32 indexed region, SupervisionParams params);
    /// @notice A case was opened by `by` (a regulator of `byRegion`) on `claims` of `institution`.
    event CaseOpened(
        uint64 indexed caseId,
        address indexed institution,
        address indexed by,
        uint8 source,
        uint32 byRegion,
        bytes32 evidence,
        bytes32[] claims
    );
    /// @notice A finding (code `code`, evidence `evidence`) named `claims`; `newlyFound` of them
    /// were not found in the case before.
    event CaseFinding(
        uint64 indexed caseId, address indexed by, bytes32 code, bytes32 evidence, bytes32[] claims, uint256 newlyFound
    );
    /// @notice The penalty was decided (NOTIFIED): the loss is the fund share of the found
    /// claims APPROVED or SETTLED then, the fine ⌊loss × fineBps / 10000⌋.
    event CaseDecided(
        uint64 indexed caseId, address indexed by, uint8 article, uint16 fineBps, uint16 suspendDays, uint256 loss, uint256 fine
    );
    /// @notice The institution contested the decision.
    event CaseContested(uint64 indexed caseId, address indexed institution);
    /// @notice A reviewer ruled on the contest: upheld (NOTIFIED again, the fine as now) or
    /// not (CLOSED, DISMISSED).
    event CaseRuled(uint64 indexed caseId, address indexed reviewer, bool upheld, uint16 fineBps, uint256 fine);
    /// @notice Finalizing rejected a found claim that was APPROVED or FLAGGED (`fromStatus`)
    /// with reason SUPERVISION; `fund` is the share it no longer has. (A SETTLED one is clawed
    /// back: `ClaimClawedBack` with reason SUPERVISION and the case id as its evidence word.)
    event CaseClaimRejected(bytes32 indexed claimId, uint64 indexed caseId, uint8 fromStatus, uint256 fund);
    /// @notice The case's fine was added to the institution's fines owed (now `owed`).
    event FineOwed(address indexed institution, uint64 indexed caseId, uint256 amount, uint256 owed);
    /// @notice Finalizing suspended the institution until `until` (a day number).
    event InstitutionSuspended(address indexed institution, uint64 indexed caseId, uint32 until);
    /// @notice The institution's credit score for `year` is now `score`.
    event CreditScoreChanged(address indexed institution, uint64 indexed caseId, uint16 year, int256 score);
    /// @notice The case was closed with `outcome` (1 PENALIZED, 2 DISMISSED, 3 NO_VIOLATION).
    event CaseClosed(uint64 indexed caseId, address indexed by, uint8 outcome);
    /// @notice Part of an institution's fines was paid (`owed` still owed).
    event FinePaid(address indexed institution, address indexed by, uint256 amount, uint256 owed, bytes32 paymentRef);

    /// @notice Set the supervision parameters of `region` (its regulator).
    function setSupervisionParams(uint32 region, SupervisionParams calldata params) external;

    /// @notice Open a case on `claims` (1–200, each a claim of `institution`, in any status).
    /// The caller is a regulator of `byRegion`: the institution's region, or, with source
    /// REFERRAL, another region, whose people the claims must be: then `people` names each
    /// claim's person (else it is empty). Returns the new case's id (1, 2, …).
    function openCase(
        address institution,
        bytes32[] calldata claims,
        uint8 source,
        bytes32 evidence,
        uint32 byRegion,
        bytes32[] calldata people
    ) external returns (uint64 caseId);

    /// @notice Record a finding on an OPEN or INVESTIGATING case (regulator of the
    /// institution's region): `claims` (1–200, each the case's, live, and found in no other
    /// case that is not closed), a finding code, an evidence hash. The case is INVESTIGATING.
    function addFinding(uint64 caseId, bytes32[] calldata claims, bytes32 code, bytes32 evidence) external;

    /// @notice Decide the penalty of a case with a finding (regulator of the institution's
    /// region): NOTIFIED, decided today.
    function decide(uint64 caseId, uint8 article, uint16 fineBps, uint16 suspendDays) external;

    /// @notice Contest the decision (the institution, once, within contest_days of it).
    function contest(uint64 caseId) external;

    /// @notice Rule on a contest (a reviewer of the institution's region). `upheld` with
    /// `fineBps` ≠ 0 sets a new fine within the article's bounds (on the same loss); not
    /// upheld closes the case DISMISSED (`fineBps` is then ignored).
    function rule(uint64 caseId, bool upheld, uint16 fineBps) external;

    /// @notice Execute a decided case (regulator of the institution's region) after the
    /// contest window or an upheld ruling, in one transaction: found claims still live
    /// clawed back or rejected, the fine owed, the suspension, the credit score and grade.
    /// CLOSED, PENALIZED.
    function finalize(uint64 caseId) external;

    /// @notice Close an OPEN or INVESTIGATING case with no violation (regulator of the
    /// institution's region).
    function closeCase(uint64 caseId) external;

    /// @notice Record a payment of fines (regulator of the institution's region):
    /// 0 < amount ≤ owed.
    function payFine(address institution, uint256 amount, bytes32 paymentRef) external;

    /// @notice A case (`CaseUnknown` if none).
    function caseInfo(uint64 caseId) external view returns (CaseView memory);
    /// @notice The claims found in a case, in the order they were first found.
    function caseFound(uint64 caseId) external view returns (bytes32[] memory);
    /// @notice The last case that found the claim (0: none).
    function caseOfClaim(bytes32 claimId) external view returns (uint64);
    /// @notice Cases opened so far.
    function caseCount() external view returns (uint64);
    /// @notice An institution's fines owed and paid, and the day its last suspension by a
    /// case runs to (0: none).
    function finesOf(address institution) external view returns (uint64 owed, uint64 paid, uint32 suspendedUntil);
    /// @notice An institution's credit score for a calendar year (credit_base if no case
    /// touched that year).
    function creditOf(address institution, uint16 year) external view returns (int256 score);
    /// @notice A region's supervision parameters (the defaults until its regulator sets them).
    function supervisionParams(uint32 region) external view returns (SupervisionParams memory);
}
