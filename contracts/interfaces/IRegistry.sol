// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IErrors} from "./IErrors.sol";

/// @title IRegistry — regions, designated institutions (定点医药机构) and insured people (参保人)
/// @notice People are known on chain only by a 32-byte pseudonym: a keyed hash (HMAC) of the
/// national ID computed by the enrolment operator. Raw IDs never reach the chain.
/// Dates are CST day numbers (days since 1970-01-01).
interface IRegistry is IErrors {
    // ---------------------------------------------------------------- types

    /// @notice A region (统筹区) and its fund's opening balance in fen.
    struct RegionView {
        uint32 code;
        bool exists;
        uint64 openingBalance;
        string name;
    }

    /// @notice An institution as stored; `payableFund` is the sum of its approved, unsettled fund
    /// shares (fen) over `pendingClaims` claims. `status`: 0 ACTIVE, 1 SUSPENDED, 2 REVOKED;
    /// `grade`: 0 A … 4 E; `level`: 0 retail pharmacy, 1–3 hospital level.
    struct InstitutionView {
        address account;
        uint32 region;
        uint32 index;
        uint8 level;
        uint8 status;
        uint8 grade;
        bool frozen;
        uint64 payableFund;
        uint32 pendingClaims;
        uint64 paid;
        uint64 debt;
    }

    /// @notice One person to enrol. `scheme`: 0 EMPLOYEE, 1 RESIDENT.
    struct Enrolment {
        bytes32 person;
        uint32 region;
        uint8 scheme;
        uint32 coverageFrom;
        uint32 coverageTo;
        address wallet;
    }

    /// @notice A person as stored. `status`: 0 ACTIVE, 1 SUSPENDED, 2 TERMINATED.
    struct PersonView {
        bytes32 person;
        uint32 index;
        uint32 region;
        uint8 scheme;
        uint8 status;
        uint8 statusReason;
        uint32 coverageFrom;
        uint32 coverageTo;
        address wallet;
    }

    /// @notice A cross-region filing (异地就医备案), dates inclusive.
    struct Filing {
        uint32 region;
        uint32 from;
        uint32 to;
    }

    // ---------------------------------------------------------------- errors

    /// @notice A region code is not a 6-digit GB/T 2260 code.
    error RegionCodeInvalid(uint32 code);
    /// @notice The region is already registered.
    error RegionExists(uint32 region);
    /// @notice An institution is already registered under this account.
    error InstitutionExists(address account);
    /// @notice The account is the zero address.
    error AccountZero();
    /// @notice Level must be 0 (pharmacy) to 3.
    error InstitutionLevelInvalid(uint8 level);
    /// @notice Status must be 0 ACTIVE, 1 SUSPENDED or 2 REVOKED.
    error InstitutionStatusInvalid(uint8 status);
    /// @notice Grade must be 0 (A) to 4 (E).
    error GradeInvalid(uint8 grade);
    /// @notice A revoked institution cannot change status again.
    error InstitutionRevoked(address account);
    /// @notice The pseudonym is zero.
    error PseudonymInvalid(bytes32 person);
    /// @notice A person is already enrolled under this pseudonym.
    error PersonExists(bytes32 person);
    /// @notice Coverage must satisfy from ≤ to.
    error CoverageInvalid(uint32 coverageFrom, uint32 coverageTo);
    /// @notice A terminated person cannot change status again.
    error PersonTerminated(bytes32 person);
    /// @notice The status change is not allowed from the current status.
    error PersonStatusTransitionInvalid(bytes32 person, uint8 from, uint8 to);
    /// @notice A filing must satisfy from ≤ to and name another region than the home region.
    error FilingInvalid(uint32 region, uint32 from, uint32 to);
    /// @notice The person already holds the maximum number of unexpired filings.
    error FilingLimitReached(bytes32 person, uint256 limit);
    /// @notice No such filing.
    error FilingUnknown(bytes32 person, uint32 region, uint32 from);
    /// @notice `initialize` ran outside the ledger's construction.
    error LedgerInitialized();
    /// @notice A claim keeps an institution's index in 24 bits: at most `limit` institutions.
    error InstitutionLimitReached(uint256 limit);
    /// @notice At most `limit` people (a claim keeps the member index in 32 bits).
    error PersonLimitReached(uint256 limit);
    /// @notice A registered institution's account cannot hold `role` (separation of duties).
    error RoleConflict(address account, bytes32 role);
    /// @notice An account holding a regulator, operator, reviewer or admin role cannot be
    /// registered as an institution.
    error InstitutionIsStaff(address account);
    /// @notice Nobody grants a role to themselves. (AccessControl's `grantRole` also refuses any
    /// role but INSTITUTION to an institution's account, `RoleConflict`.)
    error RoleSelfGrant(address account, bytes32 role);
    /// @notice The wallet is bound to another person already (`person`).
    error WalletBound(address wallet, bytes32 person);

    // ---------------------------------------------------------------- events

    /// @notice A region was registered with its fund's opening balance.
    event RegionAdded(uint32 indexed region, string name, uint64 openingBalance);
    /// @notice An institution was designated.
    event InstitutionAdded(address indexed account, uint32 indexed region, uint8 level, uint8 grade, uint32 index);
    /// @notice An institution's status changed.
    event InstitutionStatusChanged(address indexed account, uint8 from, uint8 to, uint8 reason);
    /// @notice An institution's credit grade changed.
    event InstitutionGradeChanged(address indexed account, uint8 from, uint8 to);
    /// @notice A person was enrolled.
    event PersonEnrolled(bytes32 indexed person, uint32 indexed region, uint8 scheme, uint32 coverageFrom, uint32 coverageTo, uint32 index);
    /// @notice A person's scheme or coverage changed.
    event PersonUpdated(bytes32 indexed person, uint8 scheme, uint32 coverageFrom, uint32 coverageTo);
    /// @notice A person's optional wallet changed.
    event PersonWalletSet(bytes32 indexed person, address wallet);
    /// @notice A person's status changed, with a reason code (0 = none).
    event PersonStatusChanged(bytes32 indexed person, uint8 from, uint8 to, uint8 reason);
    /// @notice A cross-region filing was added.
    event FilingAdded(bytes32 indexed person, uint32 indexed region, uint32 from, uint32 to);
    /// @notice A filing was cancelled by the operator, or dropped because it had expired.
    event FilingRemoved(bytes32 indexed person, uint32 indexed region, uint32 from, uint32 to, bool expired);

    // ---------------------------------------------------------------- regions (admin)

    /// @notice Register a region and its fund's opening balance. Admin only.
    function addRegion(uint32 code, string calldata name, uint64 openingBalance) external;

    // ---------------------------------------------------------------- institutions (regulator of the region)

    /// @notice Designate an institution in `region`; grants it the institution role.
    function addInstitution(address account, uint32 region, uint8 level, uint8 grade) external;

    /// @notice Change an institution's status. REVOKED is final and revokes the role.
    function setInstitutionStatus(address account, uint8 status, uint8 reason) external;

    /// @notice Change an institution's credit grade (A–E).
    function setInstitutionGrade(address account, uint8 grade) external;

    // ---------------------------------------------------------------- people (operator of the home region)

    /// @notice Enrol one person.
    function enrol(Enrolment calldata e) external;

    /// @notice Enrol many people in one transaction; all or nothing.
    function enrolBatch(Enrolment[] calldata batch) external;

    /// @notice Change a person's scheme and coverage dates.
    function updatePerson(bytes32 person, uint8 scheme, uint32 coverageFrom, uint32 coverageTo) external;

    /// @notice Set or clear (zero address) a person's wallet: the account the patient signs
    /// with (IRecords); a wallet is bound to one person at most.
    function setPersonWallet(bytes32 person, address wallet) external;

    /// @notice ACTIVE → SUSPENDED.
    function suspendPerson(bytes32 person, uint8 reason) external;

    /// @notice SUSPENDED → ACTIVE.
    function reinstatePerson(bytes32 person, uint8 reason) external;

    /// @notice ACTIVE or SUSPENDED → TERMINATED (final).
    function terminatePerson(bytes32 person, uint8 reason) external;

    /// @notice Add a cross-region filing; expired filings are dropped first.
    function addFiling(bytes32 person, uint32 region, uint32 from, uint32 to) external;

    /// @notice Cancel a filing identified by its region and start date.
    function cancelFiling(bytes32 person, uint32 region, uint32 from) external;

    // ---------------------------------------------------------------- views

    /// @notice A region by its code (`exists` false if it is not registered).
    function regionInfo(uint32 code) external view returns (RegionView memory v);
    /// @notice Every registered region code, in registration order.
    function regionCodes() external view returns (uint32[] memory);
    /// @notice An institution as stored (`InstitutionUnknown` if none).
    function institutionInfo(address account) external view returns (InstitutionView memory);
    /// @notice How many institutions were designated (their indexes are 1..count).
    function institutionCount() external view returns (uint256);
    /// @notice A person as stored (`PersonUnknown` if not enrolled).
    function personInfo(bytes32 person) external view returns (PersonView memory);
    /// @notice How many people were enrolled (their indexes are 1..count).
    function personCount() external view returns (uint256);
    /// @notice For each pseudonym, whether it is enrolled (for bulk pre-checks).
    function enrolled(bytes32[] calldata persons) external view returns (bool[] memory out);
    /// @notice A person's filings as stored (expired ones included until the next `addFiling`).
    function filingsOf(bytes32 person) external view returns (Filing[] memory out);
    /// @notice Whether `day` lies in the person's coverage dates.
    function isCovered(bytes32 person, uint32 day) external view returns (bool);
    /// @notice Whether a filing for `region` covers `day`.
    function hasFiling(bytes32 person, uint32 region, uint32 day) external view returns (bool);
    /// @notice The chain's CST day number.
    function today() external view returns (uint32);
    /// @notice The role of a region's regulator (institutions, rule base, settlement).
    function regulatorRole(uint32 region) external pure returns (bytes32);
    /// @notice The role of a region's enrolment operator (people, filings, contributions).
    function operatorRole(uint32 region) external pure returns (bytes32);
    /// @notice The role of a region's reviewer (flagged claims and appeals).
    function reviewerRole(uint32 region) external pure returns (bytes32);
    /// @notice The role every registered institution account holds.
    function institutionRole() external pure returns (bytes32);

    /// @notice Set the roles up: `admin` gets DEFAULT_ADMIN_ROLE, and the institution role is
    /// administered by nobody (institutions get it by registration). Run once, by delegatecall
    /// from the ledger's constructor; never routed afterwards.
    function initialize(address admin) external;
}
