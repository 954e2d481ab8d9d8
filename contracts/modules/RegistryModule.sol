// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Module} from "./Module.sol";
import {IRegistry} from "../interfaces/IRegistry.sol";
import {IModule} from "../interfaces/IModule.sol";
import {Roles} from "../libraries/Roles.sol";
import {Days} from "../libraries/Days.sol";
import {Packed} from "../libraries/Packed.sol";
import {
    SCHEME_RESIDENT, GRADE_E, PERSON_STATUS_ACTIVE, PERSON_STATUS_SUSPENDED, PERSON_STATUS_TERMINATED,
    INSTITUTION_STATUS_REVOKED
} from "../libraries/Codes.sol";

/// @title RegistryModule — regions, institutions, people and filings
/// @notice Runs inside the ledger's storage by delegatecall.
contract RegistryModule is Module, IRegistry {
    uint256 private constant MAX_BATCH = 500;
    uint8 private constant MAX_LEVEL = 3;
    /// @dev A claim keeps the institution index in 24 bits (Packed.sol, CLAIM_INSTITUTION_MASK).
    uint256 private constant MAX_INSTITUTIONS = 0xffffff;

    // ================================================================ set-up

    /// @inheritdoc IRegistry
    function initialize(address admin) external onlyDelegated {
        // only while the ledger is being constructed (it has no code yet); not routed after
        if (address(this).code.length != 0) revert LedgerInitialized();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _setRoleAdmin(Roles.INSTITUTION, Roles.NOBODY);
        _setRoleAdmin(Roles.NOBODY, Roles.NOBODY);
    }

    // ================================================================ regions

    /// @inheritdoc IRegistry
    function addRegion(uint32 code, string calldata name, uint64 openingBalance)
        external
        onlyDelegated
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        if (code < 100000 || code > 999999) revert RegionCodeInvalid(code);
        Region storage r = _layout().regions[code];
        if (r.exists) revert RegionExists(code);
        r.exists = true;
        r.openingBalance = openingBalance;
        r.name = name;
        _layout().regionCodes.push(code);
        _layout().funds[code].balance = openingBalance;
        _setRoleAdmin(Roles.operator(code), Roles.regulator(code));
        _setRoleAdmin(Roles.reviewer(code), Roles.regulator(code));
        emit RegionAdded(code, name, openingBalance);
    }

    // ================================================================ institutions

    /// @inheritdoc IRegistry
    function addInstitution(address account, uint32 region, uint8 level, uint8 grade)
        external
        onlyDelegated
    {
        _requireRegulator(region);
        if (account == address(0)) revert AccountZero();
        if (level > MAX_LEVEL) revert InstitutionLevelInvalid(level);
        if (grade > GRADE_E) revert GradeInvalid(grade);
        Layout storage l = _layout();
        Institution storage inst = l.institutions[account];
        if (inst.exists) revert InstitutionExists(account);
        // separation of duties: no regulator, operator, reviewer or admin is an institution
        if (l.staffRoles[account] != 0) revert InstitutionIsStaff(account);
        if (l.institutionCount >= MAX_INSTITUTIONS) revert InstitutionLimitReached(MAX_INSTITUTIONS);
        uint32 index = ++l.institutionCount;
        inst.exists = true;
        inst.region = region;
        inst.index = index;
        inst.level = level;
        inst.grade = grade;
        l.institutionAccounts[index] = account;
        _grantRole(Roles.INSTITUTION, account);
        emit InstitutionAdded(account, region, level, grade, index);
    }

    /// @inheritdoc IRegistry
    function setInstitutionStatus(address account, uint8 status, uint8 reason) external onlyDelegated {
        Institution storage inst = _institutionOfRegulator(account);
        if (status > INSTITUTION_STATUS_REVOKED) revert InstitutionStatusInvalid(status);
        uint8 from = inst.status;
        if (from == INSTITUTION_STATUS_REVOKED) revert InstitutionRevoked(account);
        if (from == status) revert InstitutionUnchanged(account);
        inst.status = status;
        if (status == INSTITUTION_STATUS_REVOKED) _revokeRole(Roles.INSTITUTION, account);
        emit InstitutionStatusChanged(account, from, status, reason);
    }

    /// @inheritdoc IRegistry
    function setInstitutionGrade(address account, uint8 grade) external onlyDelegated {
        Institution storage inst = _institutionOfRegulator(account);
        if (grade > GRADE_E) revert GradeInvalid(grade);
        uint8 from = inst.grade;
        if (from == grade) revert InstitutionUnchanged(account);
        inst.grade = grade;
        emit InstitutionGradeChanged(account, from, grade);
    }

    // ================================================================ people

    /// @inheritdoc IRegistry
    function enrol(Enrolment calldata e) external onlyDelegated {
        _checkRole(Roles.operator(e.region));
        _enrol(e);
    }

    /// @inheritdoc IRegistry
    function enrolBatch(Enrolment[] calldata batch) external onlyDelegated {
        uint256 n = batch.length;
        if (n == 0 || n > MAX_BATCH) revert BatchSizeInvalid(n, MAX_BATCH);
        uint32 checked = 0; // last region whose operator role was checked
        for (uint256 i; i < n; ++i) {
            Enrolment calldata e = batch[i];
            if (i == 0 || e.region != checked) {
                _checkRole(Roles.operator(e.region));
                checked = e.region;
            }
            _enrol(e);
        }
    }

    /// @inheritdoc IRegistry
    function updatePerson(bytes32 person, uint8 scheme, uint32 coverageFrom, uint32 coverageTo)
        external
        onlyDelegated
    {
        Person storage p = _personOfOperator(person);
        if (p.status == PERSON_STATUS_TERMINATED) revert PersonTerminated(person);
        if (scheme > SCHEME_RESIDENT) revert SchemeInvalid(scheme);
        if (coverageTo < coverageFrom) revert CoverageInvalid(coverageFrom, coverageTo);
        p.scheme = scheme;
        p.coverageFrom = coverageFrom;
        p.coverageTo = coverageTo;
        emit PersonUpdated(person, scheme, coverageFrom, coverageTo);
    }

    /// @inheritdoc IRegistry
    function setPersonWallet(bytes32 person, address wallet) external onlyDelegated {
        _bindWallet(_layout(), person, _personOfOperator(person), wallet);
    }

    /// @inheritdoc IRegistry
    function suspendPerson(bytes32 person, uint8 reason) external onlyDelegated {
        _setPersonStatus(person, PERSON_STATUS_ACTIVE, PERSON_STATUS_SUSPENDED, reason);
    }

    /// @inheritdoc IRegistry
    function reinstatePerson(bytes32 person, uint8 reason) external onlyDelegated {
        _setPersonStatus(person, PERSON_STATUS_SUSPENDED, PERSON_STATUS_ACTIVE, reason);
    }

    /// @inheritdoc IRegistry
    function terminatePerson(bytes32 person, uint8 reason) external onlyDelegated {
        Person storage p = _personOfOperator(person);
        uint8 from = p.status;
        if (from == PERSON_STATUS_TERMINATED) revert PersonTerminated(person);
        p.status = PERSON_STATUS_TERMINATED;
        p.statusReason = reason;
        emit PersonStatusChanged(person, from, PERSON_STATUS_TERMINATED, reason);
    }

    /// @inheritdoc IRegistry
    function addFiling(bytes32 person, uint32 region, uint32 from, uint32 to) external onlyDelegated {
        Person storage p = _personOfOperator(person);
        if (p.status == PERSON_STATUS_TERMINATED) revert PersonTerminated(person);
        _requireRegion(region);
        if (to < from || region == p.region) revert FilingInvalid(region, from, to);
        Filing[MAX_FILINGS] storage fs = _layout().filings[person];
        uint256 n = _dropExpired(person, _policyKey(p.region, p.scheme), fs, p.filingCount);
        if (n == MAX_FILINGS) revert FilingLimitReached(person, MAX_FILINGS);
        fs[n] = Filing(region, from, to);
        p.filingCount = uint8(n + 1);
        emit FilingAdded(person, region, from, to);
    }

    /// @inheritdoc IRegistry
    function cancelFiling(bytes32 person, uint32 region, uint32 from) external onlyDelegated {
        Person storage p = _personOfOperator(person);
        Filing[MAX_FILINGS] storage fs = _layout().filings[person];
        uint256 n = p.filingCount;
        for (uint256 i; i < n; ++i) {
            Filing memory f = fs[i];
            if (f.region == region && f.from == from) {
                fs[i] = fs[n - 1];
                delete fs[n - 1];
                p.filingCount = uint8(n - 1);
                emit FilingRemoved(person, region, f.from, f.to, false);
                return;
            }
        }
        revert FilingUnknown(person, region, from);
    }

    // ================================================================ views

    /// @inheritdoc IRegistry
    function regionInfo(uint32 code) external view returns (RegionView memory v) {
        Region storage r = _layout().regions[code];
        v = RegionView(code, r.exists, r.openingBalance, r.name);
    }

    /// @inheritdoc IRegistry
    function regionCodes() external view returns (uint32[] memory) {
        return _layout().regionCodes;
    }

    /// @inheritdoc IRegistry
    function institutionInfo(address account) external view returns (InstitutionView memory) {
        Institution storage i = _layout().institutions[account];
        if (!i.exists) revert InstitutionUnknown(account);
        return InstitutionView(
            account, i.region, i.index, i.level, i.status, i.grade, i.frozen, i.payableFund, i.pendingClaims, i.paid, i.debt
        );
    }

    /// @inheritdoc IRegistry
    function institutionCount() external view returns (uint256) {
        return _layout().institutionCount;
    }

    /// @inheritdoc IRegistry
    function personInfo(bytes32 person) external view returns (PersonView memory) {
        Person storage p = _layout().people[person];
        if (p.index == 0) revert PersonUnknown(person);
        return PersonView(
            person, p.index, p.region, p.scheme, p.status, p.statusReason, p.coverageFrom, p.coverageTo, p.wallet
        );
    }

    /// @inheritdoc IRegistry
    function personCount() external view returns (uint256) {
        return _layout().personCount;
    }

    /// @inheritdoc IRegistry
    function enrolled(bytes32[] calldata persons) external view returns (bool[] memory out) {
        Layout storage l = _layout();
        out = new bool[](persons.length);
        for (uint256 i; i < persons.length; ++i) {
            out[i] = l.people[persons[i]].index != 0;
        }
    }

    /// @inheritdoc IRegistry
    function filingsOf(bytes32 person) external view returns (Filing[] memory out) {
        Layout storage l = _layout();
        uint256 n = l.people[person].filingCount;
        out = new Filing[](n);
        for (uint256 i; i < n; ++i) {
            out[i] = l.filings[person][i];
        }
    }

    /// @inheritdoc IRegistry
    function isCovered(bytes32 person, uint32 day) external view returns (bool) {
        Person storage p = _layout().people[person];
        return p.index != 0 && p.coverageFrom <= day && day <= p.coverageTo;
    }

    /// @inheritdoc IRegistry
    function hasFiling(bytes32 person, uint32 region, uint32 day) external view returns (bool) {
        Layout storage l = _layout();
        uint256 n = l.people[person].filingCount;
        for (uint256 i; i < n; ++i) {
            Filing memory f = l.filings[person][i];
            if (f.region == region && f.from <= day && day <= f.to) return true;
        }
        return false;
    }

    /// @inheritdoc IRegistry
    function today() external view returns (uint32) {
        return Days.today();
    }

    /// @inheritdoc IRegistry
    function regulatorRole(uint32 region) external pure returns (bytes32) {
        return Roles.regulator(region);
    }

    /// @inheritdoc IRegistry
    function operatorRole(uint32 region) external pure returns (bytes32) {
        return Roles.operator(region);
    }

    /// @inheritdoc IRegistry
    function reviewerRole(uint32 region) external pure returns (bytes32) {
        return Roles.reviewer(region);
    }

    /// @inheritdoc IRegistry
    function institutionRole() external pure returns (bytes32) {
        return Roles.INSTITUTION;
    }

    /// @inheritdoc IModule
    function moduleSelectors() external pure override returns (bytes4[] memory) {
        // `initialize` is not among them: it runs once, from the ledger's constructor
        bytes memory registry = abi.encodePacked(
            this.addRegion.selector, this.addInstitution.selector, this.setInstitutionStatus.selector,
            this.setInstitutionGrade.selector, this.enrol.selector, this.enrolBatch.selector,
            this.updatePerson.selector, this.setPersonWallet.selector, this.suspendPerson.selector,
            this.reinstatePerson.selector, this.terminatePerson.selector, this.addFiling.selector,
            this.cancelFiling.selector, this.regionInfo.selector, this.institutionInfo.selector,
            this.institutionCount.selector, this.personInfo.selector, this.personCount.selector,
            this.enrolled.selector, this.filingsOf.selector, this.isCovered.selector,
            this.hasFiling.selector, this.today.selector, this.regulatorRole.selector,
            this.operatorRole.selector, this.reviewerRole.selector, this.institutionRole.selector,
            this.regionCodes.selector
        );
        // OpenZeppelin AccessControl, in the ledger's storage
        bytes memory roles = abi.encodePacked(
            this.hasRole.selector, this.getRoleAdmin.selector, this.grantRole.selector,
            this.revokeRole.selector, this.renounceRole.selector, this.DEFAULT_ADMIN_ROLE.selector,
            this.supportsInterface.selector
        );
        return _selectors(bytes.concat(registry, roles));
    }

    // ================================================================ roles

    /// @notice OpenZeppelin's `grantRole`, refusing a grant to oneself (`RoleSelfGrant`) and any
    /// role but INSTITUTION to an institution's account (`RoleConflict`): separation of duties.
    function grantRole(bytes32 role, address account) public override {
        if (account == msg.sender) revert RoleSelfGrant(account, role);
        super.grantRole(role, account);
    }

    /// @dev Every role but INSTITUTION is a staff role: an institution's account holds none, and
    /// `staffRoles` counts them so that `addInstitution` can refuse a staff account in one read.
    function _grantRole(bytes32 role, address account) internal override returns (bool granted) {
        granted = super._grantRole(role, account);
        if (granted && role != Roles.INSTITUTION) {
            Layout storage l = _layout();
            if (l.institutions[account].exists) revert RoleConflict(account, role);
            l.staffRoles[account] += 1;
        }
    }

    function _revokeRole(bytes32 role, address account) internal override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        if (revoked && role != Roles.INSTITUTION) _layout().staffRoles[account] -= 1;
    }

    // ================================================================ internals

    function _enrol(Enrolment calldata e) private {
        if (e.person == bytes32(0)) revert PseudonymInvalid(e.person);
        _requireRegion(e.region);
        if (e.scheme > SCHEME_RESIDENT) revert SchemeInvalid(e.scheme);
        if (e.coverageTo < e.coverageFrom) revert CoverageInvalid(e.coverageFrom, e.coverageTo);
        Layout storage l = _layout();
        Person storage p = l.people[e.person];
        if (p.index != 0) revert PersonExists(e.person);
        if (l.personCount == type(uint32).max) revert PersonLimitReached(type(uint32).max);
        uint32 index = ++l.personCount;
        p.index = index;
        p.region = e.region;
        p.coverageFrom = e.coverageFrom;
        p.coverageTo = e.coverageTo;
        p.scheme = e.scheme;
        emit PersonEnrolled(e.person, e.region, e.scheme, e.coverageFrom, e.coverageTo, index);
        if (e.wallet != address(0)) _bindWallet(l, e.person, p, e.wallet);
    }

    /// @dev Bind `wallet` (zero: none) to the person, and the reverse lookup with it: a wallet
    /// belongs to one person at most (the patient's signatures name them by it).
    function _bindWallet(Layout storage l, bytes32 person, Person storage p, address wallet) private {
        if (wallet != address(0)) {
            bytes32 other = l.walletPerson[wallet];
            if (other != bytes32(0) && other != person) revert WalletBound(wallet, other);
            l.walletPerson[wallet] = person;
        }
        address old = p.wallet;
        if (old != address(0) && old != wallet) delete l.walletPerson[old];
        p.wallet = wallet;
        emit PersonWalletSet(person, wallet);
    }

    function _setPersonStatus(bytes32 person, uint8 expected, uint8 to, uint8 reason) private {
        Person storage p = _personOfOperator(person);
        uint8 from = p.status;
        if (from == PERSON_STATUS_TERMINATED) revert PersonTerminated(person);
        if (from != expected) revert PersonStatusTransitionInvalid(person, from, to);
        p.status = to;
        p.statusReason = reason;
        emit PersonStatusChanged(person, from, to, reason);
    }

    /// @dev Compacts the filings array, dropping those no claim can use any more: a filing stays
    /// while a claim may still be submitted for its last day, i.e. until `to + max_claim_age_days`
    /// of the version in force on `to` for the person's home region and scheme (`key`); with no
    /// version in force there, no claim for that day is paid and the filing goes once `to` has
    /// passed. Bounded by MAX_FILINGS.
    function _dropExpired(bytes32 person, uint64 key, Filing[MAX_FILINGS] storage fs, uint256 n)
        private
        returns (uint256)
    {
        uint256 t = _today();
        uint256 kept = 0;
        for (uint256 i; i < n; ++i) {
            Filing memory f = fs[i];
            uint256 a = f.to < t ? _policyWordA(key, f.to) : 0;
            if (uint256(f.to) + (a == 0 ? 0 : Packed.maxClaimAge(a)) < t) {
                emit FilingRemoved(person, f.region, f.from, f.to, true);
            } else {
                if (kept != i) fs[kept] = f;
                ++kept;
            }
        }
        for (uint256 i = kept; i < n; ++i) {
            delete fs[i];
        }
        return kept;
    }
}
