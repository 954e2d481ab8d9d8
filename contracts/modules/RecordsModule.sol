// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Module} from "./Module.sol";
import {IRecords} from "../interfaces/IRecords.sol";
import {IClaims} from "../interfaces/IClaims.sol";
import {IModule} from "../interfaces/IModule.sol";
import {IERC5267} from "@openzeppelin/contracts/interfaces/IERC5267.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Roles} from "../libraries/Roles.sol";
import {
    ALERT_PATIENT_DISPUTE, ALERT_EMERGENCY_ACCESS, CASE_CLOSED, SOURCE_REFERRAL, INSTITUTION_STATUS_ACTIVE,
    PURPOSE_TREATMENT, PURPOSE_CLAIM_REVIEW, PURPOSE_SUPERVISION, PURPOSE_EMERGENCY, PURPOSE_PERSONAL,
    PURPOSE_RESEARCH, BASIS_SELF, BASIS_CUSTODIAN, BASIS_CONSENT, BASIS_CASE, BASIS_EMERGENCY, FEEDBACK_NONE,
    FEEDBACK_CONFIRMED, FEEDBACK_NOT_AS_BILLED
} from "../libraries/Codes.sol";
import {CLAIM_MEMBER_SHIFT, CLAIM_MEMBER_MASK, CLAIM_INSTITUTION_SHIFT, CLAIM_INSTITUTION_MASK} from
    "../libraries/Packed.sol";

/// @title RecordsModule — encryption keys, records, consent, served accesses and the
/// patient's feedback (IRecords; docs/rules/records.md)
/// @notice Runs inside the ledger's storage by delegatecall. Signatures are EIP-712 over the
/// domain ("yibao", "1", chain id, the ledger's address), checked with OpenZeppelin's
/// SignatureChecker (contract wallets by ERC-1271 too); each signer's nonce is used once. No
/// loop at all: a consent for every record of a person is one entry, and a served access is
/// checked against one consent, one case or one emergency declaration.
contract RecordsModule is Module, IRecords, IERC5267 {
    uint256 private constant SEALED_KEY_LENGTH = 80; // sealed box of a 32-byte key: 32 + 16 + 32
    uint256 private constant EMERGENCY_SECONDS = 24 hours;
    uint32 private constant CONSENT_MAX_DAYS = 3653; // a consent lasts at most ten years

    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant NAME_HASH = keccak256("yibao");
    bytes32 private constant VERSION_HASH = keccak256("1");
    bytes32 private constant SET_KEY_TYPEHASH =
        keccak256("SetKey(address account,bytes32 publicKey,uint256 nonce,uint256 deadline)");
    bytes32 private constant GRANT_TYPEHASH = keccak256(
        "Grant(bytes32 person,address grantee,uint64 record,uint8 purpose,uint32 notAfter,uint256 nonce,uint256 deadline)"
    );
    bytes32 private constant REVOKE_TYPEHASH = keccak256("Revoke(uint64 consent,uint256 nonce,uint256 deadline)");
    bytes32 private constant ACCESS_TYPEHASH = keccak256(
        "Access(uint64 record,address reader,uint8 purpose,uint8 basis,uint64 basisId,bytes32 claimId,uint256 nonce,uint256 deadline)"
    );
    bytes32 private constant FEEDBACK_TYPEHASH =
        keccak256("Feedback(bytes32 claimId,uint8 code,uint256 nonce,uint256 deadline)");

    // ================================================================ keys and records

    /// @inheritdoc IRecords
    function setEncryptionKey(address account, bytes32 publicKey, uint256 deadline, bytes calldata signature)
        external
        onlyDelegated
    {
        if (publicKey == bytes32(0)) revert EncryptionKeyInvalid(account);
        if (msg.sender != account) {
            _useSignature(
                account,
                keccak256(abi.encode(SET_KEY_TYPEHASH, account, publicKey, _layout().nonces[account], deadline)),
                deadline,
                signature
            );
        }
        _layout().encryptionKeys[account] = publicKey;
        emit EncryptionKeySet(account, publicKey);
    }

    /// @inheritdoc IRecords
    function putRecord(bytes32 person, bytes32 contentHash, bytes calldata custodianKey)
        external
        onlyDelegated
        returns (uint64 record)
    {
        Layout storage l = _layout();
        if (!l.institutions[msg.sender].exists) revert InstitutionUnknown(msg.sender);
        if (l.people[person].index == 0) revert PersonUnknown(person);
        _requireSealedKey(custodianKey);
        if (l.encryptionKeys[msg.sender] == bytes32(0)) revert EncryptionKeyMissing(msg.sender);
        record = ++l.recordCount;
        _claimHash(l, contentHash, record, 1);
        uint32 today = _today();
        l.records[record] = Record(person, msg.sender, 1, today, today, contentHash);
        l.custodianKeys[record][1] = custodianKey;
        emit RecordPut(record, person, msg.sender, contentHash, custodianKey);
    }

    /// @inheritdoc IRecords
    function rotateRecord(uint64 record, bytes32 contentHash, bytes calldata custodianKey) external onlyDelegated {
        Layout storage l = _layout();
        Record storage r = _record(record);
        if (msg.sender != r.custodian) revert NotCustodian(msg.sender, record);
        _requireSealedKey(custodianKey);
        uint32 version = r.version + 1;
        _claimHash(l, contentHash, record, version);
        r.version = version;
        r.updatedOn = _today();
        r.contentHash = contentHash;
        l.custodianKeys[record][version] = custodianKey;
        emit RecordRotated(record, version, contentHash, custodianKey);
    }

    // ================================================================ consent

    /// @inheritdoc IRecords
    function grantConsent(Grant calldata g, bytes calldata signature) external onlyDelegated returns (uint64 consent) {
        Layout storage l = _layout();
        address wallet = _walletOf(l, g.person);
        if (g.nonce != l.nonces[wallet]) revert SignatureInvalid(wallet);
        _useSignature(
            wallet,
            keccak256(
                abi.encode(
                    GRANT_TYPEHASH, g.person, g.grantee, g.record, g.purpose, g.notAfter, g.nonce, g.deadline
                )
            ),
            g.deadline,
            signature
        );
        if (g.purpose != PURPOSE_TREATMENT && g.purpose != PURPOSE_CLAIM_REVIEW && g.purpose != PURPOSE_RESEARCH) {
            revert PurposeInvalid(g.purpose);
        }
        uint32 today = _today();
        if (g.grantee == address(0) || g.grantee == wallet || g.notAfter < today || g.notAfter > today + CONSENT_MAX_DAYS)
        {
            revert ConsentInvalid(g.grantee, g.notAfter);
        }
        if (g.record != 0 && _record(g.record).person != g.person) revert ConsentMismatch(0, g.record, g.grantee);
        consent = ++l.consentCount;
        l.consents[consent] = Consent(g.person, g.grantee, g.record, g.purpose, today, g.notAfter, 0);
        emit ConsentGranted(consent, g.person, g.grantee, g.record, g.purpose, g.notAfter, msg.sender);
    }

    /// @inheritdoc IRecords
    function revokeConsent(uint64 consent, uint256 deadline, bytes calldata signature) external onlyDelegated {
        Layout storage l = _layout();
        Consent storage c = l.consents[consent];
        bytes32 person = c.person;
        if (person == bytes32(0)) revert ConsentUnknown(consent);
        address wallet = _walletOf(l, person);
        _useSignature(
            wallet, keccak256(abi.encode(REVOKE_TYPEHASH, consent, l.nonces[wallet], deadline)), deadline, signature
        );
        if (c.revokedOn != 0) revert ConsentInactive(consent, c.revokedOn, c.notAfter);
        uint32 today = _today();
        c.revokedOn = today;
        emit ConsentRevoked(consent, person, today, msg.sender);
    }

    // ================================================================ serving

    /// @inheritdoc IRecords
    function declareEmergency(bytes32 person, bytes32 reason) external onlyDelegated {
        Layout storage l = _layout();
        Institution storage inst = l.institutions[msg.sender];
        if (!inst.exists) revert InstitutionUnknown(msg.sender);
        if (inst.status != INSTITUTION_STATUS_ACTIVE) revert EmergencyNotAllowed(msg.sender, inst.status);
        if (l.people[person].index == 0) revert PersonUnknown(person);
        uint64 until = uint64(block.timestamp + EMERGENCY_SECONDS);
        l.emergencies[person][msg.sender] = until;
        emit EmergencyDeclared(person, msg.sender, until, reason);
        emit IClaims.Alert(person, uint8(ALERT_EMERGENCY_ACCESS), msg.sender);
    }

    /// @inheritdoc IRecords
    function serveRecord(Access calldata a, bytes calldata signature, bytes calldata sealedKey)
        external
        onlyDelegated
        returns (uint64 accessId)
    {
        Layout storage l = _layout();
        Record storage r = _record(a.record);
        if (msg.sender != r.custodian) revert NotCustodian(msg.sender, a.record);
        if (a.nonce != l.nonces[a.reader]) revert SignatureInvalid(a.reader);
        _useSignature(
            a.reader,
            keccak256(
                abi.encode(
                    ACCESS_TYPEHASH, a.record, a.reader, a.purpose, a.basis, a.basisId, a.claimId, a.nonce, a.deadline
                )
            ),
            a.deadline,
            signature
        );
        _requireSealedKey(sealedKey);
        _permit(l, r, a.record, a.reader, a.purpose, a.basis, a.basisId, a.claimId);
        accessId = ++l.accessCount;
        bytes32 person = r.person;
        l.accessesOf[person] += 1;
        emit RecordServed(accessId, a.record, person, a.reader, r.version, a.purpose, a.basis, a.basisId, sealedKey);
    }

    /// @inheritdoc IRecords
    function giveFeedback(bytes32 claimId, uint8 code, uint256 nonce, uint256 deadline, bytes calldata signature)
        external
        onlyDelegated
    {
        Layout storage l = _layout();
        uint256 w = l.claims[claimId];
        if (w == 0) revert IClaims.ClaimUnknown(claimId);
        if (block.timestamp > deadline) revert SignatureExpired(deadline);
        // the signer is recovered (a claim names its person by index only), then held to the claim;
        // the recovery error's detail (a length or an s value) adds nothing to SignatureInvalid
        // slither-disable-next-line unused-return
        (address signer, ECDSA.RecoverError err,) =
            ECDSA.tryRecover(_digest(keccak256(abi.encode(FEEDBACK_TYPEHASH, claimId, code, nonce, deadline))), signature);
        if (err != ECDSA.RecoverError.NoError || nonce != l.nonces[signer]) revert SignatureInvalid(signer);
        bytes32 person = l.walletPerson[signer];
        if (person == bytes32(0) || l.people[person].index != uint32((w >> CLAIM_MEMBER_SHIFT) & CLAIM_MEMBER_MASK)) {
            revert NotPatient(signer, person);
        }
        l.nonces[signer] += 1;
        uint8 given = l.feedback[claimId];
        if (code < FEEDBACK_CONFIRMED || code > FEEDBACK_NOT_AS_BILLED || given != FEEDBACK_NONE) {
            revert FeedbackInvalid(claimId, code, given);
        }
        l.feedback[claimId] = code;
        emit ClaimFeedback(claimId, person, code, msg.sender);
        if (code != FEEDBACK_CONFIRMED) {
            address institution = l.institutionAccounts[uint32((w >> CLAIM_INSTITUTION_SHIFT) & CLAIM_INSTITUTION_MASK)];
            emit IClaims.Alert(claimId, uint8(ALERT_PATIENT_DISPUTE), institution);
        }
    }

    // ================================================================ reads

    /// @inheritdoc IRecords
    function checkAccess(uint64 record, address reader, uint8 purpose, uint8 basis, uint64 basisId, bytes32 claimId)
        external
        view
        returns (uint32 version)
    {
        Layout storage l = _layout();
        Record storage r = _record(record);
        _permit(l, r, record, reader, purpose, basis, basisId, claimId);
        return r.version;
    }

    /// @inheritdoc IRecords
    function recordInfo(uint64 record) external view returns (RecordView memory) {
        Record storage r = _record(record);
        return RecordView(record, r.person, r.custodian, r.version, r.createdOn, r.updatedOn, r.contentHash);
    }

    /// @inheritdoc IRecords
    function recordOfHash(bytes32 contentHash) external view returns (uint64 record, uint32 version) {
        uint256 v = _layout().recordOfHash[contentHash];
        return (uint64(v >> 32), uint32(v));
    }

    /// @inheritdoc IRecords
    function custodianKeyOf(uint64 record, uint32 version) external view returns (bytes memory) {
        _record(record);
        return _layout().custodianKeys[record][version];
    }

    /// @inheritdoc IRecords
    function recordCount() external view returns (uint64) {
        return _layout().recordCount;
    }

    /// @inheritdoc IRecords
    function consentInfo(uint64 consent) external view returns (ConsentView memory) {
        Consent storage c = _layout().consents[consent];
        if (c.person == bytes32(0)) revert ConsentUnknown(consent);
        return ConsentView(
            consent, c.person, c.grantee, c.record, c.purpose, c.grantedOn, c.notAfter, c.revokedOn, _active(c)
        );
    }

    /// @inheritdoc IRecords
    function consentCount() external view returns (uint64) {
        return _layout().consentCount;
    }

    /// @inheritdoc IRecords
    function encryptionKeyOf(address account) external view returns (bytes32) {
        return _layout().encryptionKeys[account];
    }

    /// @inheritdoc IRecords
    function personOfWallet(address wallet) external view returns (bytes32) {
        return _layout().walletPerson[wallet];
    }

    /// @inheritdoc IRecords
    function emergencyUntil(bytes32 person, address institution) external view returns (uint64) {
        return _layout().emergencies[person][institution];
    }

    /// @inheritdoc IRecords
    function accessCount() external view returns (uint64) {
        return _layout().accessCount;
    }

    /// @inheritdoc IRecords
    function accessesOf(bytes32 person) external view returns (uint64) {
        return _layout().accessesOf[person];
    }

    /// @inheritdoc IRecords
    function feedbackOf(bytes32 claimId) external view returns (uint8) {
        return _layout().feedback[claimId];
    }

    /// @inheritdoc IRecords
    function nonces(address signer) external view returns (uint256) {
        return _layout().nonces[signer];
    }

    /// @inheritdoc IERC5267
    function eip712Domain()
        external
        view
        returns (bytes1, string memory, string memory, uint256, address, bytes32, uint256[] memory)
    {
        return (hex"0f", "yibao", "1", block.chainid, address(this), bytes32(0), new uint256[](0));
    }

    /// @inheritdoc IModule
    function moduleSelectors() external pure override returns (bytes4[] memory) {
        return _selectors(
            abi.encodePacked(
                this.setEncryptionKey.selector, this.putRecord.selector, this.rotateRecord.selector,
                this.grantConsent.selector, this.revokeConsent.selector, this.declareEmergency.selector,
                this.serveRecord.selector, this.giveFeedback.selector, this.checkAccess.selector,
                this.recordInfo.selector, this.recordOfHash.selector, this.custodianKeyOf.selector,
                this.recordCount.selector, this.consentInfo.selector, this.consentCount.selector,
                this.encryptionKeyOf.selector, this.personOfWallet.selector, this.emergencyUntil.selector,
                this.accessCount.selector, this.accessesOf.selector, this.feedbackOf.selector, this.nonces.selector,
                this.eip712Domain.selector
            )
        );
    }

    // ================================================================ internals

    function _record(uint64 record) private view returns (Record storage r) {
        r = _layout().records[record];
        if (r.custodian == address(0)) revert RecordUnknown(record);
    }

    function _requireSealedKey(bytes calldata key) private pure {
        if (key.length != SEALED_KEY_LENGTH) revert SealedKeyInvalid(key.length);
    }

    /// @dev Register a ciphertext's hash for a record version; each hash names one version.
    function _claimHash(Layout storage l, bytes32 contentHash, uint64 record, uint32 version) private {
        uint256 used = l.recordOfHash[contentHash];
        if (used != 0 || contentHash == bytes32(0)) revert ContentHashUsed(contentHash, uint64(used >> 32));
        l.recordOfHash[contentHash] = (uint256(record) << 32) | version;
    }

    /// @dev The wallet bound to a person (who signs for them).
    function _walletOf(Layout storage l, bytes32 person) private view returns (address wallet) {
        if (l.people[person].index == 0) revert PersonUnknown(person);
        wallet = l.people[person].wallet;
        if (wallet == address(0)) revert NotPatient(address(0), person);
    }

    function _active(Consent storage c) private view returns (bool) {
        return c.revokedOn == 0 && _today() <= c.notAfter;
    }

    function _digest(bytes32 structHash) private view returns (bytes32) {
        bytes32 domain = keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this)));
        return MessageHashUtils.toTypedDataHash(domain, structHash);
    }

    /// @dev Check `signer`'s signature of the struct (its nonce inside) and use the nonce.
    function _useSignature(address signer, bytes32 structHash, uint256 deadline, bytes calldata signature) private {
        if (block.timestamp > deadline) revert SignatureExpired(deadline);
        if (!SignatureChecker.isValidSignatureNow(signer, _digest(structHash), signature)) {
            revert SignatureInvalid(signer);
        }
        _layout().nonces[signer] += 1;
    }

    /// @dev Reverts unless `reader` may be served the record now for `purpose` on `basis`.
    function _permit(
        Layout storage l,
        Record storage r,
        uint64 record,
        address reader,
        uint8 purpose,
        uint8 basis,
        uint64 basisId,
        bytes32 claimId
    ) private view {
        if (purpose < PURPOSE_TREATMENT || purpose > PURPOSE_RESEARCH) revert PurposeInvalid(purpose);
        if (l.encryptionKeys[reader] == bytes32(0)) revert EncryptionKeyMissing(reader);
        if (basis == BASIS_SELF) {
            if (purpose != PURPOSE_PERSONAL) revert BasisInvalid(basis, purpose);
            if (l.people[r.person].wallet != reader) revert ReaderMismatch(reader, basis);
        } else if (basis == BASIS_CUSTODIAN) {
            if (purpose != PURPOSE_TREATMENT && purpose != PURPOSE_CLAIM_REVIEW) revert BasisInvalid(basis, purpose);
            if (reader != r.custodian) revert ReaderMismatch(reader, basis);
        } else if (basis == BASIS_CONSENT) {
            if (purpose == PURPOSE_SUPERVISION || purpose == PURPOSE_EMERGENCY || purpose == PURPOSE_PERSONAL) {
                revert BasisInvalid(basis, purpose);
            }
            Consent storage c = l.consents[basisId];
            if (c.person == bytes32(0)) revert ConsentUnknown(basisId);
            if (
                c.person != r.person || c.grantee != reader || (c.record != 0 && c.record != record)
                    || c.purpose != purpose
            ) revert ConsentMismatch(basisId, record, reader);
            if (!_active(c)) revert ConsentInactive(basisId, c.revokedOn, c.notAfter);
        } else if (basis == BASIS_CASE) {
            if (purpose != PURPOSE_SUPERVISION) revert BasisInvalid(basis, purpose);
            if (!_caseAllows(l, r, basisId, claimId, reader)) revert CaseBasisInvalid(basisId, claimId, reader);
        } else if (basis == BASIS_EMERGENCY) {
            if (purpose != PURPOSE_EMERGENCY) revert BasisInvalid(basis, purpose);
            uint64 until = l.emergencies[r.person][reader];
            if (block.timestamp >= until) revert EmergencyNotDeclared(r.person, reader, until);
        } else {
            revert BasisInvalid(basis, purpose);
        }
    }

    /// @dev An open case on the record's custodian, run by the reader (its region's regulator,
    /// or the referring region's for its own people), naming a claim of the record's person.
    function _caseAllows(Layout storage l, Record storage r, uint64 caseId, bytes32 claimId, address reader)
        private
        view
        returns (bool)
    {
        Case storage k = l.cases[caseId];
        if (k.status == 0 || k.status == CASE_CLOSED || k.institution != r.custodian) return false;
        Person storage p = l.people[r.person];
        bool regulator = hasRole(Roles.regulator(l.institutions[r.custodian].region), reader)
            || (k.source == SOURCE_REFERRAL && p.region == k.byRegion && hasRole(Roles.regulator(k.byRegion), reader));
        if (!regulator || l.caseClaims[caseId][claimId] == 0) return false;
        return uint32((l.claims[claimId] >> CLAIM_MEMBER_SHIFT) & CLAIM_MEMBER_MASK) == p.index;
    }
}
