// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IRegistry} from "./interfaces/IRegistry.sol";

/// @title LedgerStorage — the one storage layout shared by the ledger and its modules
/// @notice The ledger (`YibaoLedger`) runs the hot path itself and delegates other calls to
/// module contracts; all of them inherit this contract, so they see the same AccessControl
/// state and the same namespaced (ERC-7201) layout below.
abstract contract LedgerStorage is AccessControl {
    /// @dev A region (统筹区) and its fund.
    struct Region {
        bool exists;
        uint64 openingBalance;
        string name;
    }

    /// @dev One slot: everything a claim reads about its institution.
    struct Institution {
        bool exists;
        uint32 region;
        uint32 index;
        uint8 level;
        uint8 status;
        uint8 grade;
        bool frozen;
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
    }

    // keccak256(abi.encode(uint256(keccak256("yibao.storage.ledger")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant LAYOUT_SLOT = 0xe264cb13ac31513d5bdd6a5f4c66fa80c77cfadec84201fb2f12841d9c1a1e00;

    function _layout() internal pure returns (Layout storage l) {
        assembly {
            l.slot := LAYOUT_SLOT
        }
    }
}
