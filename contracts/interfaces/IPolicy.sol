// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IErrors} from "./IErrors.sol";

/// @title IPolicy — the rule base: policy versions per home region × scheme, and the
/// catalogue (医保目录) of each region
/// @notice Money in fen, rates in basis points (10000 = 100%), dates as CST day numbers.
interface IPolicy is IErrors {
    /// @notice One policy version. Level-indexed arrays: `opRatioBps[0..3]` (0 = pharmacy);
    /// `ipDeductible` and `ipRatioBps` use indexes 1..3 and index 0 must be 0.
    struct Policy {
        uint32 effectiveFrom;
        uint64 opDeductible;
        uint64[4] ipDeductible;
        uint16[4] opRatioBps;
        uint16[4] ipRatioBps;
        uint64 opAnnualCap;
        uint64 annualCap;
        uint16 monthlyVisitLimit;
        uint16 classBSelfPayBps;
        uint16 crossRegionCutBps;
        uint16 waitingDays;
        uint64 reviewThreshold;
        uint16 maxClaimAgeDays;
        uint16 appealDays;
    }

    /// @notice A catalogue item. `category`: 0 A (甲), 1 B (乙), 2 C (丙); 0 = none for
    /// `priceCap`, `maxQty` and `minIntervalDays`.
    struct Item {
        bytes32 code;
        uint8 category;
        uint64 priceCap;
        bool inpatientOnly;
        uint32 maxQty;
        uint16 minIntervalDays;
    }

    /// @notice A version must start after the latest one of its region × scheme.
    error PolicyVersionNotAfterLatest(uint32 region, uint8 scheme, uint32 effectiveFrom, uint32 latest);
    /// @notice A rate is above 10000 bps.
    error BpsOutOfRange(uint256 bps);
    /// @notice A new version must start no earlier than the chain's today.
    error PolicyBackdated(uint32 region, uint8 scheme, uint32 effectiveFrom, uint32 today);
    /// @notice A field does not fit its packed width on chain.
    error PolicyFieldTooLarge(uint256 value);
    /// @notice ipDeductible[0] and ipRatioBps[0] must be 0 (pharmacies have no inpatients).
    error PolicyLevelZeroInpatient();
    /// @notice No version of this region × scheme is in force on that day.
    error PolicyNotFound(uint32 region, uint8 scheme, uint32 day);
    /// @notice A catalogue item code is zero or its category is not 0–2.
    error ItemInvalid(bytes32 code);
    /// @notice The region has no such catalogue item.
    error ItemUnknown(uint32 region, bytes32 code);

    /// @notice A policy version was added.
    event PolicyVersionAdded(uint32 indexed region, uint8 indexed scheme, uint256 index, uint32 effectiveFrom);
    /// @notice A catalogue item was added or changed.
    event CatalogueItemSet(
        uint32 indexed region,
        bytes32 indexed code,
        uint8 category,
        uint64 priceCap,
        bool inpatientOnly,
        uint32 maxQty,
        uint16 minIntervalDays
    );
    /// @notice A catalogue item was removed.
    event CatalogueItemRemoved(uint32 indexed region, bytes32 indexed code);

    /// @notice Add a policy version for `region` × `scheme` (regulator of the region). Versions
    /// are immutable; a new one must start after the latest.
    function addPolicy(uint32 region, uint8 scheme, Policy calldata p) external;

    /// @notice Add or change catalogue items of `region` (regulator of the region).
    function setItems(uint32 region, Item[] calldata items) external;

    /// @notice Remove catalogue items of `region` (regulator of the region).
    function removeItems(uint32 region, bytes32[] calldata codes) external;

    /// @notice The version in force on `day` (latest effectiveFrom ≤ day) and its index.
    function policyAt(uint32 region, uint8 scheme, uint32 day) external view returns (Policy memory p, uint256 index);

    /// @notice How many versions `region` × `scheme` has.
    function policyCount(uint32 region, uint8 scheme) external view returns (uint256);

    /// @notice A catalogue item of `region`.
    function itemOf(uint32 region, bytes32 code) external view returns (Item memory it);
}
