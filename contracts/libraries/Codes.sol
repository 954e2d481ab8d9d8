// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

// Codes — the numbers of the ledger's statuses, reasons, flags, line notes and alerts
//
// File-level constants with literal values, so the claim path's Yul can name them too. Each
// group is a Python enum of python/yibao/model/types.py under a prefix, member for member:
//   ClaimStatus STATUS_ · Reason REASON_ · Flag FLAG_ · LineNote NOTE_ · AlertKind ALERT_
//   VisitType VISIT_ · Scheme SCHEME_ · Category CATEGORY_ · Grade GRADE_
//   PersonStatus PERSON_STATUS_ · InstitutionStatus INSTITUTION_STATUS_
//   CaseStatus CASE_ · CaseOutcome OUTCOME_ · CaseSource SOURCE_
//   Purpose PURPOSE_ · AccessBasis BASIS_ · Feedback FEEDBACK_
// (tests/contracts/test_codes.py holds the two sides equal; one constant a line).

// ---------------------------------------------------------------- claim status (3 bits)
uint256 constant STATUS_NONE = 0;
uint256 constant STATUS_APPROVED = 1;
uint256 constant STATUS_FLAGGED = 2;
uint256 constant STATUS_REJECTED = 3;
uint256 constant STATUS_APPEALED = 4;
uint256 constant STATUS_SETTLED = 5;
uint256 constant STATUS_CLAWED_BACK = 6;

// ---------------------------------------------------------------- rejection reason (5 bits)
uint256 constant REASON_NONE = 0;
uint256 constant REASON_DUPLICATE = 1;
uint256 constant REASON_INSTITUTION_INACTIVE = 2;
uint256 constant REASON_NOT_ENROLLED = 3;
uint256 constant REASON_PATIENT_INACTIVE = 4;
uint256 constant REASON_FUTURE_SERVICE = 5;
uint256 constant REASON_NOT_COVERED = 6;
uint256 constant REASON_NO_POLICY = 7;
uint256 constant REASON_STALE_CLAIM = 8;
uint256 constant REASON_WAITING_PERIOD = 9;
uint256 constant REASON_OVERCLAIM = 10;
uint256 constant REASON_REVIEW_REJECTED = 11;
uint256 constant REASON_APPEAL_REJECTED = 12;
uint256 constant REASON_SUPERVISION = 13;

// ---------------------------------------------------------------- review flags (bits)
uint256 constant FLAG_NONE = 0;
uint256 constant FLAG_VISIT_LIMIT = 1;
uint256 constant FLAG_REVIEW_THRESHOLD = 2;
uint256 constant FLAG_INSTITUTION_GRADE = 4;

// ---------------------------------------------------------------- line notes (bits)
uint256 constant NOTE_NONE = 0;
uint256 constant NOTE_NOT_IN_CATALOGUE = 1;
uint256 constant NOTE_CATEGORY_C = 2;
uint256 constant NOTE_INPATIENT_ONLY = 4;
uint256 constant NOTE_TOO_SOON = 8;
uint256 constant NOTE_PRICE_CAPPED = 16;
uint256 constant NOTE_QTY_CAPPED = 32;

// ---------------------------------------------------------------- Alert kinds (IClaims.Alert)
uint256 constant ALERT_DUPLICATE = 1;
uint256 constant ALERT_OVERCLAIM = 2;
uint256 constant ALERT_VISIT_LIMIT = 3;
uint256 constant ALERT_REVIEW_THRESHOLD = 4;
uint256 constant ALERT_INSTITUTION_GRADE = 5;
uint256 constant ALERT_PATIENT_DISPUTE = 6;
uint256 constant ALERT_EMERGENCY_ACCESS = 7;

// ---------------------------------------------------------------- visit type
uint256 constant VISIT_OUTPATIENT = 0;
uint256 constant VISIT_INPATIENT = 1;
uint256 constant VISIT_PHARMACY = 2;

// ---------------------------------------------------------------- scheme
uint8 constant SCHEME_EMPLOYEE = 0;
uint8 constant SCHEME_RESIDENT = 1;

// ---------------------------------------------------------------- catalogue category
uint8 constant CATEGORY_A = 0;
uint8 constant CATEGORY_B = 1;
uint8 constant CATEGORY_C = 2;

// ---------------------------------------------------------------- institution credit grade
uint8 constant GRADE_A = 0;
uint8 constant GRADE_B = 1;
uint8 constant GRADE_C = 2;
uint8 constant GRADE_D = 3;
uint8 constant GRADE_E = 4;

// ---------------------------------------------------------------- supervision cases (ISupervision)
uint8 constant CASE_OPEN = 1;
uint8 constant CASE_INVESTIGATING = 2;
uint8 constant CASE_NOTIFIED = 3;
uint8 constant CASE_CONTESTED = 4;
uint8 constant CASE_CLOSED = 5;
uint8 constant OUTCOME_NONE = 0;
uint8 constant OUTCOME_PENALIZED = 1;
uint8 constant OUTCOME_DISMISSED = 2;
uint8 constant OUTCOME_NO_VIOLATION = 3;
uint8 constant SOURCE_LEAD = 0;
uint8 constant SOURCE_TIP = 1;
uint8 constant SOURCE_INSPECTION = 2;
uint8 constant SOURCE_REFERRAL = 3;

// ---------------------------------------------------------------- the patient's side (IRecords)
uint8 constant PURPOSE_TREATMENT = 1;
uint8 constant PURPOSE_CLAIM_REVIEW = 2;
uint8 constant PURPOSE_SUPERVISION = 3;
uint8 constant PURPOSE_EMERGENCY = 4;
uint8 constant PURPOSE_PERSONAL = 5;
uint8 constant PURPOSE_RESEARCH = 6;
uint8 constant BASIS_SELF = 1;
uint8 constant BASIS_CUSTODIAN = 2;
uint8 constant BASIS_CONSENT = 3;
uint8 constant BASIS_CASE = 4;
uint8 constant BASIS_EMERGENCY = 5;
uint8 constant FEEDBACK_NONE = 0;
uint8 constant FEEDBACK_CONFIRMED = 1;
uint8 constant FEEDBACK_NOT_RECEIVED = 2;
uint8 constant FEEDBACK_NOT_AS_BILLED = 3;

// ---------------------------------------------------------------- person status
uint8 constant PERSON_STATUS_ACTIVE = 0;
uint8 constant PERSON_STATUS_SUSPENDED = 1;
uint8 constant PERSON_STATUS_TERMINATED = 2;

// ---------------------------------------------------------------- institution status
uint8 constant INSTITUTION_STATUS_ACTIVE = 0;
uint8 constant INSTITUTION_STATUS_SUSPENDED = 1;
uint8 constant INSTITUTION_STATUS_REVOKED = 2;
