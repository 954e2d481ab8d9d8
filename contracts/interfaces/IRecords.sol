// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IErrors} from "./IErrors.sol";

/// @title IRecords — the patient's side: encryption keys, medical records, consent, served
/// accesses and the patient's feedback on claims (docs/rules/records.md)
/// @notice Records stay off chain with their custodian, the institution that made them, each
/// encrypted under its own data key. The chain holds what proves and permits: each record's
/// SHA-256 of the ciphertext and version, the custodian's sealed copy of the data key, the
/// patient's consents, and one event for every time a record was served, with the data key
/// sealed to the reader inside it. A custodian serves a record only through `serveRecord`, which
/// checks the reader's permission and the reader's signed request in the same transaction: the
/// trail of served accesses is complete by construction.
///
/// Patients (a pseudonym with a bound wallet) and readers act by EIP-712 signatures that any
/// account may relay, so an app that holds the patient's key needs no gas. Days are day numbers
/// (days since 1970-01-01, China Standard Time); `purpose`: 1 TREATMENT, 2 CLAIM_REVIEW,
/// 3 SUPERVISION, 4 EMERGENCY, 5 PERSONAL, 6 RESEARCH; `basis` of an access: 1 SELF (the
/// patient), 2 CUSTODIAN, 3 CONSENT (basisId: the consent), 4 CASE (basisId: an open case on
/// the custodian, claimId: a claim of the case of the record's person), 5 EMERGENCY (a
/// declaration of the reader's within 24 hours).
interface IRecords is IErrors {
    /// @notice A record as the chain holds it; `contentHash`: SHA-256 of its current ciphertext.
    struct RecordView {
        uint64 id;
        bytes32 person;
        address custodian;
        uint32 version;
        uint32 createdOn;
        uint32 updatedOn;
        bytes32 contentHash;
    }

    /// @notice A consent: `record` 0 means every record of the person, now and later;
    /// `active` is false once revoked or after `notAfter` (the last day it allows).
    struct ConsentView {
        uint64 id;
        bytes32 person;
        address grantee;
        uint64 record;
        uint8 purpose;
        uint32 grantedOn;
        uint32 notAfter;
        uint32 revokedOn; // 0 while not revoked
        bool active;
    }

    /// @notice What a patient signs to grant a consent (EIP-712 `Grant`, with the wallet's nonce).
    struct Grant {
        bytes32 person;
        address grantee;
        uint64 record;
        uint8 purpose;
        uint32 notAfter;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice What a reader signs to be served a record (EIP-712 `Access`, with its nonce).
    struct Access {
        uint64 record;
        address reader;
        uint8 purpose;
        uint8 basis;
        uint64 basisId;
        bytes32 claimId;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice No record has this id.
    error RecordUnknown(uint64 record);
    /// @notice No consent has this id.
    error ConsentUnknown(uint64 consent);
    /// @notice The ciphertext hash names a record already (each ciphertext is registered once).
    error ContentHashUsed(bytes32 contentHash, uint64 record);
    /// @notice A sealed data key is a sealed box of a 32-byte key: exactly 80 bytes.
    error SealedKeyInvalid(uint256 length);
    /// @notice The account registered no X25519 encryption key.
    error EncryptionKeyMissing(address account);
    /// @notice An encryption key is a 32-byte X25519 public key, never zero.
    error EncryptionKeyInvalid(address account);
    /// @notice The signature is not `signer`'s over this request and nonce.
    error SignatureInvalid(address signer);
    /// @notice The signed request was only valid until `deadline` (Unix seconds).
    error SignatureExpired(uint256 deadline);
    /// @notice The signer is not the wallet bound to the person.
    error NotPatient(address signer, bytes32 person);
    /// @notice Only the record's custodian may do this.
    error NotCustodian(address sender, uint64 record);
    /// @notice The purpose code is not one this step allows (see the interface's notice).
    error PurposeInvalid(uint8 purpose);
    /// @notice The basis code is unknown, or does not go with the purpose.
    error BasisInvalid(uint8 basis, uint8 purpose);
    /// @notice A consent's grantee is another account than the patient's wallet, and its
    /// last day is from today to 10 years on.
    error ConsentInvalid(address grantee, uint32 notAfter);
    /// @notice The consent does not allow this reader this record for this purpose.
    error ConsentMismatch(uint64 consent, uint64 record, address reader);
    /// @notice The consent was revoked (`revokedOn`) or is past its last day (`notAfter`).
    error ConsentInactive(uint64 consent, uint32 revokedOn, uint32 notAfter);
    /// @notice The case is not an open case on the record's custodian and the reader is not
    /// its regulator, or the claim is not a claim of the case of the record's person.
    error CaseBasisInvalid(uint64 caseId, bytes32 claimId, address reader);
    /// @notice The reader declared no emergency for the person, or it ended (`until`, Unix seconds).
    error EmergencyNotDeclared(bytes32 person, address institution, uint64 until);
    /// @notice Emergency access is for an active institution (`status` 0).
    error EmergencyNotAllowed(address institution, uint8 status);
    /// @notice The reader is not the person's patient (SELF) or the record's custodian (CUSTODIAN).
    error ReaderMismatch(address reader, uint8 basis);
    /// @notice Feedback is 1 CONFIRMED, 2 NOT_RECEIVED or 3 NOT_AS_BILLED, once per claim.
    error FeedbackInvalid(bytes32 claimId, uint8 code, uint8 given);

    /// @notice An account registered (or replaced) its X25519 encryption key.
    event EncryptionKeySet(address indexed account, bytes32 publicKey);
    /// @notice A custodian registered a record (version 1) with its sealed copy of the data key.
    event RecordPut(uint64 indexed record, bytes32 indexed person, address indexed custodian, bytes32 contentHash,
        bytes custodianKey);
    /// @notice The custodian re-encrypted the record under a new data key; the old ciphertext is retired.
    event RecordRotated(uint64 indexed record, uint32 version, bytes32 contentHash, bytes custodianKey);
    /// @notice The patient granted a consent (signed by the wallet, relayed by `relayer`).
    event ConsentGranted(uint64 indexed consent, bytes32 indexed person, address indexed grantee, uint64 record,
        uint8 purpose, uint32 notAfter, address relayer);
    /// @notice The patient revoked a consent.
    event ConsentRevoked(uint64 indexed consent, bytes32 indexed person, uint32 on, address relayer);
    /// @notice A treating institution declared an emergency: for 24 hours it may be served the
    /// person's records without consent; `reason` is a short code. An Alert (EMERGENCY_ACCESS)
    /// goes with it.
    event EmergencyDeclared(bytes32 indexed person, address indexed institution, uint64 until, bytes32 reason);
    /// @notice A record was served to `reader`: who, for what, on which basis, and the data key
    /// of that version sealed to the reader's encryption key.
    event RecordServed(uint64 indexed access, uint64 indexed record, bytes32 indexed person, address reader,
        uint32 version, uint8 purpose, uint8 basis, uint64 basisId, bytes sealedKey);
    /// @notice The patient confirmed (1) or disputed (2 NOT_RECEIVED, 3 NOT_AS_BILLED) a claim;
    /// a dispute raises an Alert (PATIENT_DISPUTE).
    event ClaimFeedback(bytes32 indexed claimId, bytes32 indexed person, uint8 code, address relayer);

    /// @notice Register `account`'s X25519 public key: sent by the account itself (`signature`
    /// empty) or relayed with its EIP-712 signature of `SetKey(account, publicKey, nonce, deadline)`.
    function setEncryptionKey(address account, bytes32 publicKey, uint256 deadline, bytes calldata signature)
        external;
    /// @notice Register a record of `person` held by the sender (a registered institution):
    /// `contentHash` the SHA-256 of its ciphertext, `custodianKey` the data key sealed to the
    /// sender's encryption key. Returns the new record's id (1, 2, …).
    function putRecord(bytes32 person, bytes32 contentHash, bytes calldata custodianKey)
        external
        returns (uint64 record);
    /// @notice The custodian re-encrypted the record: its new ciphertext hash and sealed key.
    function rotateRecord(uint64 record, bytes32 contentHash, bytes calldata custodianKey) external;
    /// @notice Grant a consent signed by the person's wallet; returns the consent's id.
    function grantConsent(Grant calldata grant, bytes calldata signature) external returns (uint64 consent);
    /// @notice Revoke a consent: signed by the person's wallet, `Revoke(consent, nonce, deadline)`.
    function revokeConsent(uint64 consent, uint256 deadline, bytes calldata signature) external;
    /// @notice The sender, an active institution treating the person, declares an emergency.
    function declareEmergency(bytes32 person, bytes32 reason) external;
    /// @notice The custodian serves a record to the reader who signed `access`: the permission
    /// is checked, the access recorded and the data key sealed to the reader published.
    function serveRecord(Access calldata access, bytes calldata signature, bytes calldata sealedKey)
        external
        returns (uint64 accessId);
    /// @notice The patient's feedback on a claim of theirs, signed by the wallet,
    /// `Feedback(claimId, code, nonce, deadline)` (the signer is recovered, so the nonce travels).
    function giveFeedback(bytes32 claimId, uint8 code, uint256 nonce, uint256 deadline, bytes calldata signature)
        external;

    /// @notice Reverts with the reason `reader` may not be served `record` now, else returns
    /// the record's current version.
    function checkAccess(uint64 record, address reader, uint8 purpose, uint8 basis, uint64 basisId, bytes32 claimId)
        external
        view
        returns (uint32 version);
    function recordInfo(uint64 record) external view returns (RecordView memory);
    /// @notice The record id and version whose ciphertext had `contentHash`, (0, 0) if none.
    function recordOfHash(bytes32 contentHash) external view returns (uint64 record, uint32 version);
    /// @notice The custodian's sealed copy of the data key of a version.
    function custodianKeyOf(uint64 record, uint32 version) external view returns (bytes memory);
    function recordCount() external view returns (uint64);
    function consentInfo(uint64 consent) external view returns (ConsentView memory);
    function consentCount() external view returns (uint64);
    function encryptionKeyOf(address account) external view returns (bytes32);
    /// @notice The person a wallet is bound to (zero if none).
    function personOfWallet(address wallet) external view returns (bytes32);
    /// @notice When the institution's emergency access to the person ends (Unix seconds; 0 never declared).
    function emergencyUntil(bytes32 person, address institution) external view returns (uint64);
    /// @notice Served accesses in all, and to the person's records: the trail's length.
    function accessCount() external view returns (uint64);
    function accessesOf(bytes32 person) external view returns (uint64);
    /// @notice The patient's feedback on a claim: 0 none, 1 CONFIRMED, 2 NOT_RECEIVED, 3 NOT_AS_BILLED.
    function feedbackOf(bytes32 claimId) external view returns (uint8);
    /// @notice The signer's next nonce for the signed requests above.
    function nonces(address signer) external view returns (uint256);
}
