// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IClaims} from "./IClaims.sol";
import {IErrors} from "./IErrors.sol";

/// @title ISettlement — after the decision: review and appeal, funds and settlement (就医地垫付),
/// cross-region clearing (异地清算), clawback (追回) and freezing payouts
/// @notice Money in fen. A claim reads SETTLED once a settlement of its institution paid it.
interface ISettlement is IErrors {
    /// @notice A region's fund. Law: balance = opening + contributions − settled + clearingIn
    /// − clearingOut + recovered.
    /// @notice One contribution of a `contributeMany` batch: fen credited for a person.
    struct Contribution {
        bytes32 person;
        uint256 amount;
    }

    struct FundView {
        uint64 opening;
        uint64 balance;
        uint64 contributions;
        uint64 settled;
        uint64 clearingIn;
        uint64 clearingOut;
        uint64 recovered;
    }

    /// @notice Only FLAGGED and APPEALED claims can be reviewed.
    error ClaimNotReviewable(bytes32 claimId, uint8 status);
    /// @notice The reviewer who rejected a claim cannot decide its appeal.
    error ReviewerConflict(bytes32 claimId, address reviewer);
    /// @notice Only a claim rejected by a reviewer can be appealed.
    error ClaimNotAppealable(bytes32 claimId);
    /// @notice A claim can be appealed once.
    error AppealAlreadyFiled(bytes32 claimId);
    /// @notice The appeal window (rejection day + appeal_days) has passed.
    error AppealWindowClosed(bytes32 claimId, uint32 lastDay, uint32 today);
    /// @notice Only the claim's institution may appeal it.
    error ClaimNotOwned(bytes32 claimId, address caller);
    /// @notice The institution's payouts are frozen.
    error InstitutionFrozen(address institution);
    /// @notice The institution has no approved, unsettled fund share.
    error NothingToSettle(address institution);
    /// @notice The fund cannot pay `required`.
    error FundInsufficient(uint32 region, uint256 required, uint256 balance);
    /// @notice `from` owes `to` nothing.
    error NothingToClear(uint32 from, uint32 to);
    /// @notice An amount must be positive.
    error AmountZero();
    /// @notice More than is owed.
    error ClearingExceedsDebt(uint256 amount, uint256 owed);
    /// @notice Only a SETTLED claim can be clawed back.
    error ClaimNotSettled(bytes32 claimId);
    /// @notice An amount larger than the 64-bit totals can take: at most `limit` fits.
    error AmountTooLarge(uint256 amount, uint256 limit);
    /// @notice The institution's 16-bit settlement counter is exhausted.
    error EpochLimitReached(address institution);
    /// @notice A reason is a code: 1–32 of `A–Z`, `0–9`, `_`, left-aligned and zero-padded (or zero).
    error ReasonInvalid(bytes32 reason);

    /// @notice A reviewer decided a flagged claim, or an appeal (`appeal`). `fund` is the
    /// claim's fund share after the decision.
    event ClaimReviewed(
        bytes32 indexed claimId, address indexed reviewer, bool approved, bool appeal, bytes32 reason, bytes32 evidence, uint256 fund
    );
    /// @notice The institution appealed a reviewer's rejection.
    event ClaimAppealed(bytes32 indexed claimId, address indexed institution);
    /// @notice An institution was paid: `payable` settled, of which `netted` recovered its debt
    /// and `cash` left the fund; `claims` claims became SETTLED.
    event Settled(
        address indexed institution,
        uint32 indexed region,
        uint16 epoch,
        uint256 payable_,
        uint256 netted,
        uint256 cash,
        uint256 claims,
        uint32 fromDay,
        uint32 toDay,
        bytes32 paymentRef
    );
    /// @notice A settlement paid fund shares of `home`'s people: `home` now owes `treating` more.
    event CrossRegionOwed(uint32 indexed home, uint32 indexed treating, uint256 amount, uint256 owed);
    /// @notice A clawback took `amount` off what `home` owes `treating`, which now owes `owed`.
    event CrossRegionReduced(uint32 indexed home, uint32 indexed treating, uint256 amount, uint256 owed);
    /// @notice `from` paid `to` what it owed for cross-region care.
    event Cleared(uint32 indexed from, uint32 indexed to, uint256 amount, uint256 stillOwed);
    /// @notice A settled claim was clawed back; its fund share is now the institution's debt.
    event ClaimClawedBack(bytes32 indexed claimId, address indexed institution, uint256 amount, bytes32 reason, bytes32 evidence);
    /// @notice An institution's payouts were frozen or unfrozen.
    event InstitutionFreezeChanged(address indexed institution, bool frozen);
    /// @notice A contribution (缴费) credited the person's home-region fund.
    event ContributionRecorded(bytes32 indexed person, uint32 indexed region, uint256 amount);

    /// @notice Approve or reject a FLAGGED claim, or decide an APPEALED one (final).
    /// Reviewer of the treating institution's region.
    function review(bytes32 claimId, bool approve, bytes32 reason, bytes32 evidence) external;
    /// @notice Appeal a reviewer's rejection (the claim's institution, within appeal_days).
    function appeal(bytes32 claimId) external;
    /// @notice Pay the institution its approved, unsettled fund shares (regulator of its region).
    function settle(address institution, bytes32 paymentRef) external;
    /// @notice Pay what `from` owes `to` (regulator of `from`); `amount` = type(uint256).max for all.
    function clear(uint32 from, uint32 to, uint256 amount) external;
    /// @notice Claw back a settled claim (regulator of the institution's region). For a person
    /// from another region its fund share comes off what the home region owes the treating
    /// region; beyond what is owed (it was cleared) the treating region owes it back.
    function clawback(bytes32 claimId, bytes32 reason, bytes32 evidence) external;
    /// @notice Freeze or unfreeze an institution's payouts (regulator of its region).
    function setFrozen(address institution, bool frozen) external;
    /// @notice Credit a contribution to the person's home-region fund (operator of that region).
    function contribute(bytes32 person, uint256 amount) external;
    /// @notice Credit many contributions in one transaction, in order, each exactly as
    /// `contribute` would (one `ContributionRecorded` each); one refused reverts them all.
    /// 1 to 500 of them (`BatchSizeInvalid` otherwise).
    function contributeMany(Contribution[] calldata batch) external;

    /// @notice A region's fund (`RegionUnknown` if the region is not registered).
    function fundOf(uint32 region) external view returns (FundView memory);
    /// @notice What `home` owes `treating` for its people's care there, settled but not cleared.
    function owedBetween(uint32 home, uint32 treating) external view returns (uint256);
    /// @notice Review data of a flagged claim: who rejected it and when, and whether it was appealed.
    function reviewOf(bytes32 claimId) external view returns (address rejectedBy, uint32 rejectedOn, bool appealed);

    // ---------------------------------------------------------------- claims as stored

    /// @notice The stored claim (`ClaimUnknown` if none); APPROVED reads SETTLED once a
    /// settlement of its institution paid it.
    function claimInfo(bytes32 claimId) external view returns (IClaims.ClaimView memory v);

    /// @notice The id a claim of `institution` with `invoice` gets (either form of the number,
    /// Words.sol; `InvoiceMalformed` for any other word).
    function claimIdOf(address institution, bytes32 invoice) external pure returns (bytes32 id);

    /// @notice A person's counters for a year: deductible used, fund used, outpatient fund used.
    function countersOf(bytes32 person, uint16 year)
        external
        view
        returns (uint64 deductibleUsed, uint64 fundUsed, uint64 opFundUsed, uint16[12] memory visits);
}
