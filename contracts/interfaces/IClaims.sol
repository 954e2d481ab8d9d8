// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title IClaims — claims decided by the contract at submission (事中审核)
/// @notice An institution submits claims for itself. Each claim is decided at once by the
/// rules of adjudication.md and stored in one slot; the decision and its alerts are events.
interface IClaims {
    /// @notice One line of a claim: catalogue code (ASCII, right-padded), quantity, unit price in fen.
    struct Line {
        bytes32 code;
        uint32 qty;
        uint64 unitPrice;
    }

    /// @notice A claim. `visit`: 0 OUTPATIENT, 1 INPATIENT, 2 PHARMACY. `serviceDay` is the
    /// admission day for inpatients; `dischargeDay` is 0 for other visits. `invoice` is
    /// keccak256 of the institution's invoice number; `claimedFund` counts only when
    /// `hasClaimedFund`.
    struct Claim {
        bytes32 invoice;
        bytes32 person;
        uint8 visit;
        uint32 serviceDay;
        uint32 dischargeDay;
        bytes32 documents;
        bool hasClaimedFund;
        uint64 claimedFund;
        Line[] lines;
    }

    /// @notice A stored claim, unpacked. `status`: 1 APPROVED, 2 FLAGGED, 3 REJECTED,
    /// 4 APPEALED, 5 SETTLED, 6 CLAWED_BACK. `flags`: bit 0 VISIT_LIMIT, 1 REVIEW_THRESHOLD,
    /// 2 INSTITUTION_GRADE.
    struct ClaimView {
        bytes32 id;
        uint8 status;
        uint8 reason;
        uint8 flags;
        uint8 visit;
        uint32 serviceDay;
        uint32 member;
        uint32 institution;
        uint64 billed;
        uint64 eligible;
        uint64 deductible;
        uint64 fund;
    }

    /// @notice A claim has no lines.
    error ClaimWithoutLines(bytes32 claimId);
    /// @notice A line has quantity zero.
    error ClaimLineQuantityZero(bytes32 claimId, uint256 line);
    /// @notice The claim's total billed amount does not fit 36 bits of fen.
    error ClaimAmountTooLarge(bytes32 claimId);
    /// @notice The visit type is not 0–2.
    error VisitTypeInvalid(bytes32 claimId, uint8 visit);
    /// @notice An inpatient claim has no discharge day.
    error DischargeMissing(bytes32 claimId);
    /// @notice Discharge before admission.
    error DischargeBeforeAdmission(bytes32 claimId, uint32 admission, uint32 discharge);
    /// @notice A retail pharmacy (level 0) submitted an inpatient claim.
    error VisitTypeNotOffered(bytes32 claimId, uint8 visit);
    /// @notice A discharge day on a claim that is not inpatient.
    error DischargeNotInpatient(bytes32 claimId);
    /// @notice No claim with this id.
    error ClaimUnknown(bytes32 claimId);

    /// @notice A claim was decided. `decision` packs status (bits 0–7) | reason (8–15) |
    /// flags (16–23) | visit (24–31) | member index (32–63) | billed (64–99) | eligible (100–135)
    /// | deductible (136–171) | fund (172–207), amounts in fen. `lines` packs six lines per
    /// word, line i at bit 42·(i mod 6) of word ⌊i/6⌋: notes (6 bits) | eligible << 6 (36 bits).
    event ClaimDecided(bytes32 indexed claimId, address indexed institution, uint256 decision, uint256[] lines);

    /// @notice A claim raised an alert for the regulator. `kind`: 1 DUPLICATE, 2 OVERCLAIM,
    /// 3 VISIT_LIMIT, 4 REVIEW_THRESHOLD, 5 INSTITUTION_GRADE.
    event Alert(bytes32 indexed claimId, uint8 indexed kind, address indexed institution);

    /// @notice Submit and decide one claim of the calling institution.
    function submitClaim(Claim calldata c) external returns (bytes32 claimId, uint8 status);

    /// @notice Submit many claims; each is decided on its own (a rejection never reverts the
    /// batch), but a malformed claim reverts the whole batch.
    function submitClaims(Claim[] calldata cs) external;

    /// @notice The stored claim.
    function claimInfo(bytes32 claimId) external view returns (ClaimView memory);

    /// @notice The id a claim of `institution` with `invoice` gets.
    function claimIdOf(address institution, bytes32 invoice) external pure returns (bytes32);

    /// @notice A person's counters for a year: deductible used, fund used, outpatient fund used.
    function countersOf(bytes32 person, uint16 year)
        external
        view
        returns (uint64 deductibleUsed, uint64 fundUsed, uint64 opFundUsed, uint16[12] memory visits);
}
