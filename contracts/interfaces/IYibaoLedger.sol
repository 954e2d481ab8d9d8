// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IRouter} from "./IRouter.sol";
import {IClaims} from "./IClaims.sol";
import {IRegistry} from "./IRegistry.sol";
import {IPolicy} from "./IPolicy.sol";
import {ISettlement} from "./ISettlement.sol";
import {ISupervision} from "./ISupervision.sol";
import {IRecords} from "./IRecords.sol";
import {IERC5267} from "@openzeppelin/contracts/interfaces/IERC5267.sol";

/// @title IYibaoLedger — everything served at the ledger's address
/// @notice The ledger's own functions (`submitClaims`, `moduleOf`) and those of its modules:
/// the registry with OpenZeppelin AccessControl, the rule base, review and settlement,
/// supervision cases, the patient's records, consents and served accesses; every
/// error and event any of them raises. This is the ledger's ABI for clients. `initialize` (in
/// IRegistry) runs once inside the ledger's constructor and is never routed afterwards.
interface IYibaoLedger is IRouter, IClaims, IRegistry, IPolicy, ISettlement, ISupervision, IRecords, IAccessControl, IERC165,
    IERC5267
{
    /// @notice The role that adds regions and grants each region's regulator role: zero
    /// (AccessControl's DEFAULT_ADMIN_ROLE).
    function DEFAULT_ADMIN_ROLE() external view returns (bytes32);
}
