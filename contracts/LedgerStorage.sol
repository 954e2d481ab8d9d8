// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IRegistry} from "./interfaces/IRegistry.sol";
import {Packed} from "./libraries/Packed.sol";

/// @title LedgerStorage — the one storage layout shared by the ledger and its modules
/// @notice The ledger (`YibaoLedger`) runs the hot path itself and delegates other calls to
/// module contracts; all of them inherit this contract, so they see the same namespaced
/// (ERC-7201) layout below. Roles (OpenZeppelin AccessControl, slot 0) belong to the modules.
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
    /// total of approved, unsettled fund shares included); slot 1: settlement figures.
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

    /// @dev Slot 0: everything a claim reads about a person; the wallet sits in slot 1.
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

    uint256 internal constant MAX_FILINGS = 8;
    uint256 internal constant MAX_BATCH = 500;

    uint8 internal constant STATUS_ACTIVE = 0;
    uint8 internal constant STATUS_SUSPENDED = 1;
    uint8 internal constant STATUS_ENDED = 2; // REVOKED (institution) / TERMINATED (person)
    uint8 internal constant GRADE_E = 4;

    function _policyKey(uint32 region, uint8 scheme) internal pure returns (uint64) {
        return (uint64(region) << 8) | scheme;
    }

    /// @dev Word A of the version in force on `day`, or 0: the newest version (one slot) in
    /// the usual case, else a binary search (log₂ of the number of versions).
    function _policyWordA(uint64 key, uint256 day) internal view returns (uint256) {
        Layout storage l = _layout();
        uint256 a = l.latestPolicy[key][0];
        if (a == 0 || Packed.effectiveFrom(a) <= day) return a;
        uint256[2][] storage versions = l.policyVersions[key];
        uint256 i = _versionIndex(versions, day);
        return i == type(uint256).max ? 0 : versions[i][0];
    }

    /// @dev Word B of the version in force on `day` (which must exist).
    function _policyWordB(uint64 key, uint256 day) internal view returns (uint256) {
        Layout storage l = _layout();
        uint256[2] storage latest = l.latestPolicy[key];
        if (Packed.effectiveFrom(latest[0]) <= day) return latest[1];
        uint256[2][] storage versions = l.policyVersions[key];
        return versions[_versionIndex(versions, day)][1];
    }

    /// @dev Index of the last version with effectiveFrom ≤ day, or max if none.
    function _versionIndex(uint256[2][] storage versions, uint256 day) internal view returns (uint256) {
        uint256 lo;
        uint256 hi = versions.length;
        while (lo < hi) {
            uint256 mid = (lo + hi) >> 1;
            if (Packed.effectiveFrom(versions[mid][0]) <= day) lo = mid + 1;
            else hi = mid;
        }
        return lo == 0 ? type(uint256).max : lo - 1;
    }

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
        // ---- rule base (PolicyModule): key = region << 8 | scheme
        mapping(uint64 key => uint256[2][]) policyVersions; // packed words A, B (Packed.sol)
        mapping(uint64 key => uint256[2]) latestPolicy; // copy of the newest version: the usual lookup
        mapping(uint32 region => mapping(bytes32 code => uint256)) items; // packed (Packed.sol)
        // ---- claims (YibaoLedger)
        mapping(bytes32 claimId => uint256) claims; // packed (Packed.sol)
        mapping(uint64 memberYear => uint256) counters; // member << 16 | year; packed (Packed.sol)
        mapping(uint32 member => mapping(bytes32 code => uint32 day)) lastService;
        // ---- after the decision (SettlementModule)
        mapping(uint32 index => address account) institutionAccounts;
        // flagged claims only: homeRegion 0..31 | scheme 32..39 | rejectedOn 40..71 | appealed 72
        // | rejectedBy 96..255
        mapping(bytes32 claimId => uint256) claimExtra;
        mapping(uint32 region => Fund) funds;
        // approved, unsettled fund shares of people from other regions, per home region
        mapping(address institution => mapping(uint32 home => uint256)) crossPending;
        mapping(address institution => uint32[]) crossHomes; // bounded by the number of regions
        mapping(uint32 home => mapping(uint32 treating => uint256)) owed;
        mapping(address institution => uint32) lastSettledDay;
    }

    // keccak256(abi.encode(uint256(keccak256("yibao.storage.ledger")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant LAYOUT_SLOT = 0xe264cb13ac31513d5bdd6a5f4c66fa80c77cfadec84201fb2f12841d9c1a1e00;

    function _layout() internal pure returns (Layout storage l) {
        assembly ("memory-safe") {
            l.slot := LAYOUT_SLOT
        }
    }
}
