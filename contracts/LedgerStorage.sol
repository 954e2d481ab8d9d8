// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IRegistry} from "./interfaces/IRegistry.sol";
import {ISupervision} from "./interfaces/ISupervision.sol";

/// @title LedgerStorage — the one storage layout shared by the ledger and its modules
/// @notice The ledger (`YibaoLedger`) runs the claim path itself and delegates other calls to
/// module contracts; all of them inherit this contract, so they see the same namespaced
/// (ERC-7201) layout below. Roles are OpenZeppelin's namespaced AccessControl state, read and
/// written by the modules only. Nothing lives at a plain storage slot.
abstract contract LedgerStorage {
    /// @dev A region (统筹区) and its fund.
    struct Region {
        bool exists;
        uint64 openingBalance;
        string name;
    }

    /// @dev A region's fund (fen). Law: balance = opening + contributions − settled
    /// + clearingIn − clearingOut + recovered.
    struct Fund {
        uint64 balance;
        uint64 contributions;
        uint64 settled;
        uint64 clearingIn;
        uint64 clearingOut;
        uint64 recovered;
    }

    /// @dev Slot 0: everything a claim reads and writes about its institution (the running
    /// total of approved, unsettled fund shares included); slot 1: settlement figures. The
    /// claim path reads slot 0 by the INSTITUTION_* offsets of Packed.sol.
    struct Institution {
        bool exists;
        uint32 region;
        uint32 index; // < 2**24 (claims keep 24 bits)
        uint8 level;
        uint8 status;
        uint8 grade;
        bool frozen;
        uint64 payableFund;
        uint32 pendingClaims;
        uint16 epoch;
        uint64 paid;
        uint64 debt;
    }

    /// @dev Slot 0: everything a claim reads about a person (by the PERSON_* offsets of
    /// Packed.sol); the wallet sits in slot 1.
    struct Person {
        uint32 index; // 1-based; 0 = not enrolled
        uint32 region;
        uint32 coverageFrom;
        uint32 coverageTo;
        uint8 scheme;
        uint8 status;
        uint8 statusReason;
        uint8 filingCount;
        address wallet;
    }

    /// @dev A supervision case (SupervisionModule; ISupervision.CaseView says what each field
    /// means). Slot 0: who and where it stands; slot 1: the figures.
    struct Case {
        address institution;
        uint8 status;
        uint8 outcome;
        uint8 source;
        uint8 article;
        uint16 fineBps;
        uint16 suspendDays;
        uint32 decidedOn;
        uint64 loss;
        uint64 fine;
        uint32 openedOn;
        uint32 byRegion;
        uint16 claims;
        uint16 found;
        uint16 findings;
        bool contested;
        bool upheld;
    }

    /// @dev What cases left an institution with: fines (fen) and the end of its last suspension.
    struct Sanctions {
        uint64 finesOwed;
        uint64 finesPaid;
        uint32 suspendedUntil;
    }

    /// @dev An institution's credit score for one calendar year, once a case touched it.
    struct Credit {
        bool set;
        int64 score;
    }

    /// @dev A medical record held off chain by its custodian (RecordsModule; IRecords.RecordView).
    struct Record {
        bytes32 person;
        address custodian;
        uint32 version;
        uint32 createdOn;
        uint32 updatedOn;
        bytes32 contentHash;
    }

    /// @dev A patient's consent (IRecords.ConsentView): slot 1 who and what, slot 2 when.
    struct Consent {
        bytes32 person;
        address grantee;
        uint64 record; // 0: every record of the person
        uint8 purpose;
        uint32 grantedOn;
        uint32 notAfter;
        uint32 revokedOn;
    }

    uint256 internal constant MAX_FILINGS = 8;

    /// @dev An approved fund share of a person from another region: owed by the home region
    /// once the institution is settled. The list of home regions is bounded by the number of
    /// regions.
    function _bookCross(Layout storage l, address institution, uint256 home, uint256 fund) internal {
        mapping(uint32 => uint256) storage pending = l.crossPending[institution];
        uint256 before = pending[uint32(home)];
        if (before == 0) l.crossHomes[institution].push(uint32(home));
        pending[uint32(home)] = before + fund;
    }

    /// @custom:storage-location erc7201:yibao.storage.ledger
    struct Layout {
        mapping(bytes4 selector => address module) modules;
        mapping(uint32 code => Region) regions;
        uint32[] regionCodes;
        mapping(address account => Institution) institutions;
        uint32 institutionCount;
        uint32 personCount;
        mapping(bytes32 person => Person) people;
        mapping(bytes32 person => IRegistry.Filing[MAX_FILINGS]) filings; // one slot each
        // ---- rule base (PolicyModule), keyed by region × scheme (Packed.sol)
        mapping(uint64 key => uint256[2][]) policyVersions; // packed words A, B (Packed.sol)
        mapping(uint64 key => uint256[2]) latestPolicy; // copy of the newest version: the usual lookup
        mapping(uint32 region => mapping(bytes32 code => uint256)) items; // packed (Packed.sol)
        // ---- claims (ClaimPath)
        mapping(bytes32 claimId => uint256) claims; // packed (Packed.sol)
        mapping(uint64 memberYear => uint256) counters; // key and word: Packed.sol
        mapping(uint32 member => mapping(bytes32 code => uint32 day)) lastService;
        // ---- after the decision (SettlementModule)
        mapping(uint32 index => address account) institutionAccounts;
        mapping(bytes32 claimId => uint256) claimExtra; // flagged and approved cross-region claims; packed (Packed.sol)
        mapping(uint32 region => Fund) funds;
        // approved, unsettled fund shares of people from other regions, per home region
        mapping(address institution => mapping(uint32 home => uint256)) crossPending;
        mapping(address institution => uint32[]) crossHomes; // since the last settlement: ≤ regions + shares withdrawn by cases (Reversal)
        mapping(uint32 home => mapping(uint32 treating => uint256)) owed;
        mapping(address institution => uint32) lastSettledDay;
        // ---- separation of duties (RegistryModule): roles other than INSTITUTION an account holds
        mapping(address account => uint256) staffRoles;
        // ---- supervision (SupervisionModule)
        uint64 caseCount;
        mapping(uint64 caseId => Case) cases;
        mapping(uint64 caseId => mapping(bytes32 claimId => uint256)) caseClaims; // MARK_LISTED | MARK_FOUND
        mapping(uint64 caseId => bytes32[]) caseFound; // ≤ the case's claims (≤ 200)
        mapping(bytes32 claimId => uint64 caseId) foundIn; // the last case that found the claim
        mapping(address institution => Sanctions) sanctions;
        mapping(address institution => mapping(uint16 year => Credit)) credit;
        // set parameters have floorA > floorB > floorC > floorD ≥ 0: floorA = 0 means "the defaults"
        mapping(uint32 region => ISupervision.SupervisionParams) supervision;
        // ---- the patient's side (RecordsModule)
        mapping(address wallet => bytes32 person) walletPerson; // the reverse of Person.wallet
        mapping(address account => bytes32) encryptionKeys; // X25519 public keys
        uint64 recordCount;
        uint64 consentCount;
        uint64 accessCount;
        mapping(uint64 record => Record) records;
        mapping(bytes32 contentHash => uint256) recordOfHash; // record id << 32 | version
        mapping(uint64 record => mapping(uint32 version => bytes)) custodianKeys; // sealed data keys
        mapping(uint64 consent => Consent) consents;
        mapping(bytes32 person => mapping(address institution => uint64 until)) emergencies; // Unix seconds
        mapping(bytes32 person => uint64) accessesOf;
        mapping(bytes32 claimId => uint8) feedback;
        mapping(address signer => uint256) nonces; // of the signed requests (IRecords)
    }

    // keccak256(abi.encode(uint256(keccak256("yibao.storage.ledger")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant LAYOUT_SLOT = 0xe264cb13ac31513d5bdd6a5f4c66fa80c77cfadec84201fb2f12841d9c1a1e00;

    function _layout() internal pure returns (Layout storage l) {
        assembly ("memory-safe") {
            l.slot := LAYOUT_SLOT
        }
    }
}

/// @title LedgerStorageLayout — never deployed
/// @notice Its one state variable makes solc's storage layout output describe `Layout` and
/// the structs in it member by member; tests/contracts compare that with the slot and offset
/// constants the claim path's Yul uses.
abstract contract LedgerStorageLayout is LedgerStorage {
    Layout internal layout;
}
