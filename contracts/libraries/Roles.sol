// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title Roles — role identifiers of the yibao ledger
/// @notice Regional roles are derived from the region code, so each 统筹区 has its own
/// regulator, enrolment operators and reviewers.
library Roles {
    /// @notice Held by every registered institution account; granted and revoked only by
    /// the registry (its admin role has no members).
    bytes32 internal constant INSTITUTION = keccak256("yibao.role.institution");
    /// @notice A role nobody holds; admin of roles only the contracts may change.
    bytes32 internal constant NOBODY = keccak256("yibao.role.nobody");

    function regulator(uint32 region) internal pure returns (bytes32) {
        return keccak256(abi.encode("yibao.role.regulator", region));
    }

    function operator(uint32 region) internal pure returns (bytes32) {
        return keccak256(abi.encode("yibao.role.operator", region));
    }

    function reviewer(uint32 region) internal pure returns (bytes32) {
        return keccak256(abi.encode("yibao.role.reviewer", region));
    }
}
