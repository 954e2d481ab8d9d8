"""Names a reader understands for the codes of the report: alert kinds (with a severity),
rejection reasons, claim statuses, flags, line notes, the reviewers' rule codes, the kinds of
transaction, in Chinese and in English.

The codes themselves (``yibao.model.types``, the reviewer policy of :mod:`yibao.demo.player`)
stay the keys of report.json; these labels are shown beside them and written under
``labels`` in report.json.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from yibao.model.screening import Rule, Severity
from yibao.model.types import AlertKind, ClaimStatus, Flag, InstitutionStatus, LineNote, Reason, Scheme


@dataclass(frozen=True)
class Label:
    """A code's name in Chinese and in English."""

    zh: str
    en: str

    def text(self) -> str:
        """``中文 English``."""
        return f"{self.zh} {self.en}"

    def to_json(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en}


#: How much an alert says about the claim it is raised on, most serious first.
SEVERITIES: dict[str, Label] = {
    "high": Label("高", "high: the claim was rejected at submission"),
    "medium": Label("中", "medium: the claim breaks a limit and waits for a reviewer"),
    "low": Label("低", "low: routine review, nothing wrong found yet"),
}


@dataclass(frozen=True)
class AlertLabel(Label):
    """An alert kind's name, severity and what it means."""

    severity: str
    means: str

    def to_json(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en, "severity": self.severity, "means": self.means}


ALERT_LABELS: dict[AlertKind, AlertLabel] = {
    AlertKind.DUPLICATE: AlertLabel(
        "重复报销", "duplicate invoice", "high", "the invoice was already claimed; rejected"
    ),
    AlertKind.OVERCLAIM: AlertLabel(
        "超额申报", "overclaim", "high", "the institution claimed more than the fund's share; rejected"
    ),
    AlertKind.VISIT_LIMIT: AlertLabel(
        "超次就诊", "visit limit exceeded", "medium", "more visits this month than the policy allows; held for review"
    ),
    AlertKind.REVIEW_THRESHOLD: AlertLabel(
        "大额审核", "large claim", "low", "the fund's share is above the review threshold; held for review"
    ),
    AlertKind.INSTITUTION_GRADE: AlertLabel(
        "机构信用等级", "institution grade", "low",
        "every claim of a grade-D institution, and of a grade-C one every claim above half the review "
        "threshold, is held for review, whatever the claim",
    ),
    AlertKind.PATIENT_DISPUTE: AlertLabel(
        "患者异议", "patient dispute", "high", "the insured person says the service was not received or not as billed"
    ),
    AlertKind.EMERGENCY_ACCESS: AlertLabel(
        "紧急调阅", "emergency access", "medium",
        "an institution read a patient's records without consent under a 24-hour emergency declaration",
    ),
}

REASON_LABELS: dict[Reason, Label] = {
    Reason.NONE: Label("无", "none"),
    Reason.DUPLICATE: Label("重复报销", "duplicate invoice"),
    Reason.INSTITUTION_INACTIVE: Label("机构不可用", "institution not active"),
    Reason.NOT_ENROLLED: Label("未参保", "not enrolled"),
    Reason.PATIENT_INACTIVE: Label("参保暂停或终止", "patient not active"),
    Reason.FUTURE_SERVICE: Label("就诊日期在未来", "service date in the future"),
    Reason.NOT_COVERED: Label("不在保障期内", "not covered on the service date"),
    Reason.NO_POLICY: Label("无适用政策", "no policy in force"),
    Reason.STALE_CLAIM: Label("超过申报时限", "claim too old"),
    Reason.WAITING_PERIOD: Label("等待期内", "in the waiting period"),
    Reason.OVERCLAIM: Label("超额申报", "overclaim"),
    Reason.REVIEW_REJECTED: Label("审核拒付", "rejected by a reviewer"),
    Reason.APPEAL_REJECTED: Label("申诉驳回", "appeal rejected"),
    Reason.SUPERVISION: Label("监管处理", "rejected by a supervision case"),
}

STATUS_LABELS: dict[ClaimStatus, Label] = {
    ClaimStatus.NONE: Label("无", "none"),
    ClaimStatus.APPROVED: Label("已核准", "approved"),
    ClaimStatus.FLAGGED: Label("待审核", "flagged"),
    ClaimStatus.REJECTED: Label("拒付", "rejected"),
    ClaimStatus.APPEALED: Label("申诉中", "appealed"),
    ClaimStatus.SETTLED: Label("已结算", "settled"),
    ClaimStatus.CLAWED_BACK: Label("已追回", "clawed back"),
}

SCHEME_LABELS: dict[Scheme, Label] = {
    Scheme.EMPLOYEE: Label("职工", "employee"),
    Scheme.RESIDENT: Label("居民", "resident"),
}

INSTITUTION_STATUS_LABELS: dict[InstitutionStatus, Label] = {
    InstitutionStatus.ACTIVE: Label("正常", "active"),
    InstitutionStatus.SUSPENDED: Label("暂停", "suspended"),
    InstitutionStatus.REVOKED: Label("取消定点", "revoked"),
}

FLAG_LABELS: dict[Flag, Label] = {
    Flag.VISIT_LIMIT: Label("超次就诊", "visit limit exceeded"),
    Flag.REVIEW_THRESHOLD: Label("大额审核", "above the review threshold"),
    Flag.INSTITUTION_GRADE: Label("机构信用等级", "institution grade"),
}

NOTE_LABELS: dict[LineNote, Label] = {
    LineNote.NOT_IN_CATALOGUE: Label("目录外", "not in the catalogue"),
    LineNote.CATEGORY_C: Label("丙类自费", "class C, self-paid"),
    LineNote.INPATIENT_ONLY: Label("限住院", "inpatient only"),
    LineNote.TOO_SOON: Label("间隔不足", "billed too soon"),
    LineNote.PRICE_CAPPED: Label("超限价", "above the price cap"),
    LineNote.QTY_CAPPED: Label("超限量", "above the maximum quantity"),
}

#: The reviewers' and the appeal reviewers' rule codes (yibao.demo.player's reviewer policy).
RULE_LABELS: dict[str, Label] = {
    "OK": Label("审核通过", "approved: nothing wrong found"),
    "VISIT_LIMIT_EXCEEDED": Label("超次就诊", "visit limit exceeded"),
    "LOW_ELIGIBLE_SHARE": Label("合规费用不足一半", "under half of the bill eligible"),
    "GRADE_D_IRREGULAR_LINES": Label("D级机构违规明细", "grade D: lines too soon or above the quantity"),
    "APPEAL_ADMISSION_JUSTIFIED": Label("住院必要性成立", "appeal: admission justified"),
    "APPEAL_REJECTED": Label("申诉驳回", "appeal rejected"),
}

#: The screening rules of screening.md (事后监管), and what the demo plants for each.
SCREENING_LABELS: dict[Rule, Label] = {
    Rule.READMIT: Label("分解住院", "split admission: readmitted within 15 days"),
    Rule.OVERLAP_STAY: Label("重复住院", "overlapping stays at two hospitals"),
    Rule.GHOST_BED: Label("挂床住院", "ghost bed: a visit elsewhere during a stay"),
    Rule.SAME_DAY_MULTI: Label("同日多机构", "same-day visits at three or more institutions"),
    Rule.IMPOSSIBLE_TRAVEL: Label("异地同日", "same-day claims in two provinces, no filing"),
    Rule.DUP_BILLING: Label("重复收费", "an item billed twice the same day"),
    Rule.OVER_SUPPLY: Label("超量开药", "over-supply: over 3× the maximum quantity in a month"),
    Rule.RESTRICTED_ITEM: Label("限定支付", "restricted item: sex, age or institution level"),
    Rule.SURGE: Label("费用激增", "an institution's monthly fund share surges"),
    Rule.PATIENT_DISPUTE: Label("患者异议", "the patient disputed the claim: not received, or not as billed"),
}

LEAD_SEVERITY_LABELS: dict[Severity, Label] = {
    Severity.HIGH: Label("高", "high"),
    Severity.MEDIUM: Label("中", "medium"),
}

#: The kinds of transaction the demo sends (gas) and of work it times.
WORK_LABELS: dict[str, Label] = {
    "registry": Label("登记与规则", "regions, roles, policies, catalogues, institutions"),
    "enrolment": Label("参保登记", "enrolment"),
    "filings": Label("异地备案", "cross-region filings"),
    "contributions": Label("缴费", "contributions"),
    "claims": Label("理赔申报", "claim submissions"),
    "reviews": Label("审核", "reviews"),
    "appeals": Label("申诉", "appeals"),
    "settlements": Label("结算", "settlements"),
    "clearing": Label("异地清算", "cross-region clearing"),
    "supervision": Label("监管", "supervision: freezes, clawbacks, terminations"),
    "cases": Label("监管案件", "supervision cases: screening, cases, fines, reinstatement"),
    "clock": Label("链上时钟", "moving the chain's clock"),
    "fund reads": Label("基金余额读取", "reading fund balances"),
    "day sends": Label("当日交易批量上链", "sending each day's transactions together (pipelined, mined as one block)"),
}


def code_label(table: Mapping[Any, Label], code: str) -> str:
    """``CODE 中文 English`` of a code by its name in ``table`` (an enum-keyed or a str-keyed
    table), or the bare code when the table has none."""
    for key, label in table.items():
        if getattr(key, "name", key) == code:
            return f"{code} {label.text()}"
    return code


def labels_doc() -> dict[str, Any]:
    """Every label, by kind of code and code name, for report.json."""

    def by_name(table: Mapping[Any, Label]) -> dict[str, Any]:
        return {str(getattr(k, "name", k)): v.to_json() for k, v in table.items()}

    return {
        "alerts": by_name(ALERT_LABELS),
        "severities": {k: v.to_json() for k, v in SEVERITIES.items()},
        "reasons": by_name(REASON_LABELS),
        "statuses": by_name(STATUS_LABELS),
        "schemes": by_name(SCHEME_LABELS),
        "institution_statuses": by_name(INSTITUTION_STATUS_LABELS),
        "flags": by_name(FLAG_LABELS),
        "line_notes": by_name(NOTE_LABELS),
        "review_rules": by_name(RULE_LABELS),
        "work": by_name(WORK_LABELS),
        "screening_rules": by_name(SCREENING_LABELS),
        "lead_severities": by_name(LEAD_SEVERITY_LABELS),
    }


__all__ = [
    "ALERT_LABELS",
    "FLAG_LABELS",
    "INSTITUTION_STATUS_LABELS",
    "LEAD_SEVERITY_LABELS",
    "NOTE_LABELS",
    "REASON_LABELS",
    "RULE_LABELS",
    "SCHEME_LABELS",
    "SCREENING_LABELS",
    "SEVERITIES",
    "STATUS_LABELS",
    "WORK_LABELS",
    "AlertLabel",
    "Label",
    "code_label",
    "labels_doc",
]
