// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IErrors} from "./IErrors.sol";

/// @title IClaims — claims decided by the contract at submission (事中审核)
/// @notice An institution submits claims for itself. Each claim is decided at once by the
/// rules of adjudication.md and stored in one slot; the decision and its alerts are events.
interface IClaims is IErrors {
    // Claims travel as 32-byte words, 4 + 2 per line (the Python client encodes them; the bit
    // layout of the meta and line words is in Packed.sol, WIRE_* and META_*):
    //   word 0  invoice: the institution's invoice number, UTF-8 right-padded when it is 1–31 bytes
    //           without a zero byte, else keccak256 of it with the last bit set; both forms of
    //           one number give one claim id (Words.sol)
    //   word 1  person: the 32-byte pseudonym
    //   word 2  documents: hash of the supporting documents
    //   word 3  meta: visit (0 OUTPATIENT, 1 INPATIENT, 2 PHARMACY), service day (admission day
    //           for inpatients), discharge day (0 unless inpatient), line count, and the fund
    //           share the institution claims (optional)
    //   per line: a word code (ASCII, right-padded), a word quantity and unit price (fen)
    // Compared with ABI-encoded structs this halves the calldata and the decoding work.

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

    /// @notice The invoice word is neither a raw invoice number nor a marked hash (Words.sol).
    error InvoiceMalformed(bytes32 invoice);
    /// @notice Word `offset` has bits set outside its fields (Packed.sol, META_UNUSED_MASK and
    /// WIRE_LINE_UNUSED_MASK).
    error ClaimWordMalformed(uint256 offset);
    /// @notice The words end inside the claim that starts at word `offset`.
    error ClaimTruncated(uint256 offset);
    /// @notice A service or discharge day beyond what a claim can store (after year 13000).
    error ClaimDateInvalid(bytes32 claimId, uint32 day);
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
    /// @notice The institution's running total of unsettled fund shares or claims would
    /// overflow (2**64 fen or 2**32 claims): it must be settled first.
    error PayableOverflow(address institution);

    /// @notice A claim was decided. `decision` is the claim's word as stored (Packed.sol,
    /// CLAIM_*): status, reason, flags, visit, service day, member index, institution index,
    /// settlement epoch, and billed, eligible, deductible and fund amounts in fen; a DUPLICATE
    /// is announced with member 0 and is not stored again. `lines` packs the notes and eligible
    /// amount of the first six lines (Packed.sol, LINE_*); further lines follow in
    /// `ClaimLines`, six to a word. Claims rejected by a claim check have lines = 0.
    /// The institution is the transaction's sender (its index is in `decision`); it is not a
    /// topic, which saves 375 gas a claim: filter by claim id, or by institution on `Alert`.
    event ClaimDecided(bytes32 indexed claimId, uint256 decision, uint256 lines);

    /// @notice Lines 7 onwards of a claim with more than six lines (see `ClaimDecided`).
    event ClaimLines(bytes32 indexed claimId, uint256[] more);

    /// @notice A claim raised an alert for the regulator. `kind`: 1 DUPLICATE, 2 OVERCLAIM,
    /// 3 VISIT_LIMIT, 4 REVIEW_THRESHOLD, 5 INSTITUTION_GRADE.
    event Alert(bytes32 indexed claimId, uint8 indexed kind, address indexed institution);

    /// @notice Submit and decide the claims of the calling institution packed in `words`
    /// (one or many). Each is decided on its own: a business rejection never reverts, but a
    /// malformed claim reverts the whole call. Returns the id and status of the last claim.
    function submitClaims(bytes32[] calldata words) external returns (bytes32 claimId, uint8 status);
}
