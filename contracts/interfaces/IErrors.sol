// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title IErrors — errors raised by more than one part of the ledger
/// @notice Declared once here; the interfaces of the parts that raise them inherit it.
interface IErrors {
    /// @notice The region is not registered.
    error RegionUnknown(uint32 region);
    /// @notice No institution is registered under this account (also: a claim's sender is
    /// not an institution).
    error InstitutionUnknown(address account);
    /// @notice The institution already has this status, grade or freeze state.
    error InstitutionUnchanged(address account);
    /// @notice No person is enrolled under this pseudonym.
    error PersonUnknown(bytes32 person);
    /// @notice Scheme must be 0 EMPLOYEE or 1 RESIDENT.
    error SchemeInvalid(uint8 scheme);
    /// @notice A batch (of people, catalogue items or claims) is empty or longer than the limit.
    error BatchSizeInvalid(uint256 size, uint256 limit);
    /// @notice A module function was called on the module itself, not through the ledger.
    error ModuleCalledDirectly();
}
