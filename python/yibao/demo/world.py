"""The synthetic world of ``yibao demo``: two regions, their policies and catalogues, eight
institutions, insured people and a year of claims with planted misbehaviour.

Everything here is drawn from one ``random.Random(seed)``, in a fixed order, so the same seed
gives the same world on every machine. Nothing here decides a claim: the generator only says
what institutions *submit* (and what the regulator, reviewers and institutions will *do*);
what the chain decides, pays and records is read back from the chain by :mod:`yibao.demo`.

National IDs are made up (valid GB 11643 check digits) and only their keyed pseudonyms go
on chain. Money is fen, rates basis points, dates CST calendar dates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass, field
from typing import Any

from yibao.identity import PseudonymKey, check_digit
from yibao.model.types import CatalogueItem, Category, ClaimLine, Grade, PolicyVersion, Scheme, VisitType

YEAR = 2026
CQ, GZ = 500000, 440100
SETUP_DAY = dt.date(2025, 12, 31)
JAN1 = dt.date(YEAR, 1, 1)
DEC31 = dt.date(YEAR, 12, 31)
MID_YEAR = dt.date(YEAR, 7, 1)
LAST_UPLOAD = dt.date(YEAR + 1, 1, 3)  # year-end deadline: everything of 2026 is uploaded by then
END = dt.date(YEAR + 1, 1, 15)  # the closing settlement (Jan 10) and the last clearing (Jan 15)

REGIONS: dict[int, str] = {CQ: "重庆市", GZ: "广州市"}
REGION_SHORT: dict[int, str] = {CQ: "重庆", GZ: "广州"}
PEOPLE_SHARE = {CQ: 0.6, GZ: 0.4}
#: Of adults 18–75: share insured as employees (职工); children and the rest are residents (居民).
EMPLOYEE_SHARE = {CQ: 0.32, GZ: 0.65}
#: Monthly contribution to the pooled fund (统筹基金) as bps of the wage base (单位缴费部分).
EMPLOYEE_RATE_BPS = {CQ: 700, GZ: 550}
WAGE_MEDIAN = {CQ: 7_000_00, GZ: 9_500_00}
WAGE_FLOOR_CAP = {CQ: (4_300_00, 21_500_00), GZ: (5_300_00, 27_000_00)}
#: Residents' 2027 premium, paid Sep–Dec 2026: individual share + government subsidy (财政补助).
RESIDENT_PREMIUM = {CQ: 400_00 + 700_00, GZ: 480_00 + 760_00}
#: Opening balance per insured person of the region (the fund's reserve, incl. 2026 resident premiums).
OPENING_PER_PERSON = 1_600_00
PRICE_FACTOR = {CQ: 1.0, GZ: 1.12}
CAP_FACTOR = {CQ: 1.2, GZ: 1.35}


# ------------------------------------------------------------------------------------ policies


def policies() -> list[PolicyVersion]:
    """Each region × scheme from 2026-01-01; 广州 changes both schemes from 2026-07-01."""

    def pv(region: int, scheme: Scheme, eff: dt.date, **kw: object) -> PolicyVersion:
        return PolicyVersion(region=region, scheme=scheme, effective_from=eff, **kw)  # type: ignore[arg-type]

    cq_emp = dict(
        op_deductible=800_00,
        ip_deductible=(0, 200_00, 500_00, 800_00),
        op_ratio_bps=(5000, 7000, 6000, 5000),
        ip_ratio_bps=(0, 9000, 8700, 8500),
        op_annual_cap=3_500_00,
        annual_cap=400_000_00,
        monthly_visit_limit=8,
        class_b_self_pay_bps=1000,
        cross_region_cut_bps=1000,
        waiting_days=0,
        review_threshold=20_000_00,
        max_claim_age_days=90,
        appeal_days=15,
    )
    cq_res = dict(
        op_deductible=100_00,
        ip_deductible=(0, 200_00, 500_00, 1_000_00),
        op_ratio_bps=(5000, 6000, 5000, 4000),
        ip_ratio_bps=(0, 8500, 7000, 5500),
        op_annual_cap=800_00,
        annual_cap=200_000_00,
        monthly_visit_limit=6,
        class_b_self_pay_bps=1500,
        cross_region_cut_bps=1000,
        waiting_days=90,
        review_threshold=15_000_00,
        max_claim_age_days=90,
        appeal_days=15,
    )
    gz_emp = dict(
        op_deductible=800_00,
        ip_deductible=(0, 300_00, 600_00, 1_000_00),
        op_ratio_bps=(5000, 7000, 6000, 5500),
        ip_ratio_bps=(0, 9200, 9000, 8800),
        op_annual_cap=4_000_00,
        annual_cap=600_000_00,
        monthly_visit_limit=8,
        class_b_self_pay_bps=1000,
        cross_region_cut_bps=1000,
        waiting_days=0,
        review_threshold=25_000_00,
        max_claim_age_days=90,
        appeal_days=15,
    )
    gz_res = dict(
        op_deductible=50_00,
        ip_deductible=(0, 300_00, 600_00, 1_000_00),
        op_ratio_bps=(5000, 6000, 5500, 5000),
        ip_ratio_bps=(0, 8500, 7500, 6500),
        op_annual_cap=600_00,
        annual_cap=250_000_00,
        monthly_visit_limit=6,
        class_b_self_pay_bps=1500,
        cross_region_cut_bps=1500,
        waiting_days=90,
        review_threshold=15_000_00,
        max_claim_age_days=90,
        appeal_days=15,
    )
    # 2026-07-01 in 广州: employees' outpatient deductible 800 → 500 元, community ratio up,
    # outpatient pooling limit up; residents' outpatient limit 600 → 1,000 元, community ratio up.
    gz_emp2 = {**gz_emp, "op_deductible": 500_00, "op_ratio_bps": (5000, 8000, 6000, 5500), "op_annual_cap": 6_000_00}
    gz_res2 = {**gz_res, "op_annual_cap": 1_000_00, "op_ratio_bps": (5000, 7000, 5500, 5000)}
    return [
        pv(CQ, Scheme.EMPLOYEE, JAN1, **cq_emp),
        pv(CQ, Scheme.RESIDENT, JAN1, **cq_res),
        pv(GZ, Scheme.EMPLOYEE, JAN1, **gz_emp),
        pv(GZ, Scheme.RESIDENT, JAN1, **gz_res),
        pv(GZ, Scheme.EMPLOYEE, MID_YEAR, **gz_emp2),
        pv(GZ, Scheme.RESIDENT, MID_YEAR, **gz_res2),
    ]


# ------------------------------------------------------------------------------------ catalogue

A, B, C = Category.A, Category.B, Category.C


@dataclass(frozen=True)
class Ref:
    """A catalogue entry of the national list with its reference price (fen per unit)."""

    code: str
    name: str
    kind: str  # what it is for: acute, chronic, inj, lab, imaging, surgery, selfpay, ... (picks lines)
    category: Category
    price: int
    max_qty: int = 0
    interval: int = 0
    inpatient_only: bool = False
    where: str = "*"  # "*", "CQ" or "GZ"
    gz: dict[str, Any] = field(default_factory=dict)  # 广州's different terms


def _drugs() -> list[Ref]:
    acute = [
        ("J01CA04", "阿莫西林胶囊", A, 1200),
        ("J01DC02", "头孢呋辛酯片", B, 2500),
        ("J01MA12", "左氧氟沙星片", A, 1800),
        ("J01FA10", "阿奇霉素片", A, 2000),
        ("M01AE01", "布洛芬缓释胶囊", A, 1500),
        ("N02BE01", "对乙酰氨基酚片", A, 600),
        ("R05CB06", "氨溴索口服溶液", B, 1800),
        ("J05AH02", "奥司他韦胶囊", B, 4500),
        ("A07BC05", "蒙脱石散", A, 1500),
        ("A02BC01", "奥美拉唑肠溶胶囊", A, 1200),
        ("A02BC04", "雷贝拉唑钠肠溶片", B, 3200),
        ("R06AX13", "氯雷他定片", A, 1600),
        ("R03DC03", "孟鲁司特钠片", B, 4200),
        ("R03AC02", "沙丁胺醇气雾剂", A, 2600),
        ("R03AK07", "布地奈德福莫特罗吸入剂", B, 16800),
        ("M01AB05", "双氯芬酸钠缓释片", A, 900),
        ("D06AX09", "莫匹罗星软膏", B, 1400),
    ]
    chronic = [
        ("A10BA02", "二甲双胍缓释片", A, 1800, 0),
        ("A10BB12", "格列美脲片", B, 2400, 0),
        ("A10BF01", "阿卡波糖片", B, 3600, 0),
        ("A10AE04", "甘精胰岛素注射液", B, 7200, 20),
        ("A10AB05", "门冬胰岛素注射液", B, 5400, 20),
        ("A10BK01", "达格列净片", B, 5200, 0),
        ("C08CA01", "氨氯地平片", A, 1200, 0),
        ("C08CA05", "硝苯地平控释片", B, 3200, 0),
        ("C09CA03", "缬沙坦胶囊", B, 2400, 0),
        ("C09CA04", "厄贝沙坦片", B, 2000, 0),
        ("C07AB02", "美托洛尔缓释片", B, 2800, 0),
        ("C10AA05", "阿托伐他汀钙片", B, 1600, 20),
        ("C10AA07", "瑞舒伐他汀钙片", B, 1800, 20),
        ("B01AC06", "阿司匹林肠溶片", A, 1500, 0),
        ("B01AC04", "氯吡格雷片", B, 2300, 20),
        ("H03AA01", "左甲状腺素钠片", A, 2600, 0),
    ]
    inj = [
        ("J01DD04", "注射用头孢曲松钠", A, 800),
        ("J01CR05", "注射用哌拉西林他唑巴坦", B, 3500),
        ("B01AB05", "依诺肝素钠注射液", B, 3000),
        ("B05AA01", "人血白蛋白", B, 38000),
        ("N01AX10", "丙泊酚乳状注射液", A, 2200),
        ("H02AB04", "注射用甲泼尼龙琥珀酸钠", B, 2800),
        ("B05XA03", "氯化钠注射液", A, 300),
        ("B05BA03", "葡萄糖注射液", A, 300),
        ("B05BA01", "复方氨基酸注射液", B, 4500),
        ("A02BC02", "注射用泮托拉唑钠", B, 1800),
        ("J01DH02", "注射用美罗培南", B, 9000),
        ("J01DD62", "注射用头孢哌酮舒巴坦", B, 4200),
        ("L01XA03", "注射用奥沙利铂", B, 60000),
        ("A04AA01", "昂丹司琼注射液", B, 2500),
    ]
    out: list[Ref] = []
    for atc, name, cat, price in acute:
        out.append(Ref(f"X{atc}-1", f"{name}(小包装)", "acute", cat, price, 3, gz={"max_qty": 4}))
        out.append(Ref(f"X{atc}-2", f"{name}(大包装)", "acute", cat, price * 17 // 10, 3, gz={"max_qty": 4}))
    for atc, name, cat, price, interval in chronic:
        out.append(Ref(f"X{atc}-1", f"{name}(30日量)", "chronic", cat, price, 3, interval))
        out.append(
            Ref(f"X{atc}-2", f"{name}(60日量)", "chronic", cat, price * 19 // 10, 2, interval, gz={"max_qty": 3})
        )
    for atc, name, cat, price in inj:
        out.append(Ref(f"X{atc}-1", name, "inj", cat, price, 0, 0, True))
        out.append(Ref(f"X{atc}-2", f"{name}(大规格)", "inj", cat, price * 18 // 10, 0, 0, True))
    out.append(Ref("XC10AA05-9", "阿托伐他汀钙片(进口原研)", "selfpay", C, 5800))
    return out


def _tcm() -> list[Ref]:
    rows = [
        ("ZA01", "连花清瘟胶囊", "tcm_acute", B, 2500, {"category": A}),
        ("ZA02", "复方丹参滴丸", "tcm_chronic", A, 3000, {}),
        ("ZA03", "血塞通软胶囊", "tcm_chronic", B, 3800, {}),
        ("ZA04", "六味地黄丸", "tcm_chronic", A, 1500, {}),
        ("ZA05", "板蓝根颗粒", "tcm_acute", A, 1200, {}),
        ("ZA06", "藿香正气水", "tcm_acute", A, 800, {}),
        ("ZA07", "小柴胡颗粒", "tcm_acute", A, 1400, {}),
        ("ZA08", "通心络胶囊", "tcm_chronic", B, 4200, {}),
        ("ZA09", "银杏叶片", "tcm_chronic", B, 2200, {}),
        ("ZA10", "丹参注射液", "inj", B, 1800, {}),
    ]
    out = []
    for code, name, kind, cat, price, gz in rows:
        ip = kind == "inj"
        out.append(Ref(f"{code}-1", name, kind, cat, price, 0 if ip else 3, 0, ip, gz=dict(gz)))
        out.append(Ref(f"{code}-2", f"{name}(大包装)", kind, cat, price * 18 // 10, 0 if ip else 2, 0, ip, gz=dict(gz)))
    local = [
        ("ZC01", "三七伤药片", "CQ", B, 1600),
        ("ZC02", "复方鱼腥草片", "CQ", A, 1100),
        ("ZC03", "川贝枇杷糖浆", "CQ", A, 1300),
        ("ZC04", "麝香保心丸", "CQ", B, 3900),
        ("ZG01", "保济丸", "GZ", A, 900),
        ("ZG02", "夏桑菊颗粒", "GZ", A, 1000),
        ("ZG03", "复方感冒灵颗粒", "GZ", A, 1200),
        ("ZG04", "滋肾育胎丸", "GZ", B, 6800),
    ]
    for code, name, where, cat, price in local:
        out.append(Ref(f"{code}-1", name, "tcm_acute", cat, price, 3, where=where))
    out += [
        Ref("ZX01", "阿胶", "selfpay", C, 12000),
        Ref("ZX02", "冬虫夏草", "selfpay", C, 50000),
        Ref("ZX03", "西洋参饮片", "selfpay", C, 8000),
    ]
    return out


def _services() -> list[Ref]:
    S = Ref
    return [
        S("110200001", "普通门诊诊查费", "consult", A, 1000, 1),
        S("110200002", "副主任医师诊查费", "consult", A, 2500, 1),
        S("110200003", "主任医师诊查费", "consult", A, 5000, 1),
        S("110200005", "急诊诊查费", "consult", A, 1500, 1),
        S("110200009", "特需门诊诊查费", "selfpay", C, 30000, 1),
        S("110300001", "住院诊查费", "ip_consult", A, 1500, 0, 0, True),
        S("110900001", "普通病房床位费", "bed", A, 4000, 0, 0, True),
        S("110900002", "重症监护病房床位费", "icu", A, 20000, 0, 0, True),
        S("110900009", "特需病房床位费", "selfpay_ip", C, 50000, 0, 0, True),
        S("120100002", "一级护理", "nursing", A, 3000, 0, 0, True),
        S("120100003", "二级护理", "nursing", A, 1800, 0, 0, True),
        S("121200001", "静脉输液", "iv", A, 800),
        S("311000001", "心电监护", "monitor", A, 9000, 0, 0, True),
        S("310603002", "氧气吸入", "monitor", A, 3000, 0, 0, True),
        S("250901001", "血气分析", "lab_ip", A, 8000, 0, 0, True),
        S("250303002", "电解质", "lab", A, 3000, 1),
        S("120400001", "肌肉注射", "iv", A, 300),
        S("250101001", "血常规", "lab", A, 2000, 1),
        S("250102001", "尿常规", "lab", A, 1000, 1),
        S("250301001", "肝功能", "lab", A, 6000, 1),
        S("250302001", "肾功能", "lab", A, 4000, 1),
        S("250303001", "血脂四项", "lab", A, 4500, 1),
        S("250304001", "血糖", "lab", A, 800, 1),
        S("250305001", "糖化血红蛋白", "lab", A, 7000, 1, 30, gz={"min_interval_days": 60}),
        S("250401001", "凝血功能", "lab", A, 6000, 1),
        S("250501001", "C反应蛋白", "lab", A, 3000, 1),
        S("250601001", "甲状腺功能", "lab", B, 12000, 1, 30, gz={"category": A}),
        S("250701001", "肿瘤标志物", "lab", B, 15000, 1, 30, gz={"category": A}),
        S("250801001", "流感病毒抗原检测", "lab", B, 4000, 1),
        S("210102001", "胸部DR", "imaging", A, 8000, 1),
        S("210300001", "CT平扫", "imaging", B, 25000, 1, 7, gz={"min_interval_days": 5}),
        S("210300002", "CT增强", "imaging", B, 45000, 1, 7, gz={"min_interval_days": 5}),
        S("210400001", "磁共振平扫", "imaging", B, 60000, 1, 14),
        S("220100001", "腹部彩超", "imaging", A, 15000, 1),
        S("220600001", "心脏彩超", "imaging", B, 25000, 1),
        S("310701001", "心电图", "imaging", A, 2500, 1),
        S("310701002", "动态心电图", "imaging", B, 18000, 1, 30),
        S("310603001", "肺功能检查", "imaging", B, 12000, 1, 90),
        S("310901001", "胃镜检查", "imaging", B, 30000, 1, 30),
        S("310902001", "肠镜检查", "imaging", B, 40000, 1, 30),
        S("340200001", "针灸治疗", "therapy", B, 4000, 1),
        S("340200002", "推拿治疗", "therapy", B, 5000, 1, gz={"category": C}),
        S("340100001", "物理治疗", "therapy", B, 3500, 2),
        S("340100002", "康复评定", "therapy", B, 6000, 1, 30),
        S("230000009", "肿瘤基因检测", "selfpay", C, 200000, 1),
        S("310000009", "健康体检套餐", "selfpay", C, 60000, 1),
        S("340000009", "医疗美容治疗", "selfpay", C, 100000, 1),
        S("311201001", "血液透析", "dialysis", A, 40000, 1, where="GZ"),
        S("311201002", "腹膜透析", "dialysis", A, 30000, 1, where="CQ"),
    ]


def _surgery() -> list[Ref]:
    S = Ref
    return [
        S("331003001", "阑尾切除术", "surgery", A, 150000, 1, 0, True),
        S("331005001", "腹腔镜胆囊切除术", "surgery", A, 300000, 1, 0, True),
        S("331102001", "剖宫产术", "surgery", A, 200000, 1, 0, True),
        S("331503001", "人工髋关节置换术", "surgery", B, 800000, 1, 0, True),
        S("331504001", "人工膝关节置换术", "surgery", B, 750000, 1, 0, True),
        S("320500001", "经皮冠状动脉支架置入术", "surgery", B, 600000, 1, 0, True),
        S("330604001", "白内障超声乳化摘除术", "surgery", A, 250000, 1, 0, True),
        S("331008001", "腹股沟疝修补术", "surgery", A, 150000, 1, 0, True),
        S("310902002", "内镜下结肠息肉切除术", "surgery", B, 100000, 1, 0, True),
        S("330100001", "全身麻醉", "anaesthesia", A, 100000, 1, 0, True),
        S("330100002", "椎管内麻醉", "anaesthesia", A, 60000, 1, 0, True),
        S("330100009", "术后镇痛泵", "selfpay_ip", C, 30000, 1, 0, True),
        S("C0101", "一次性输液器", "consumable", A, 300),
        S("C0102", "静脉留置针", "consumable", B, 1500, 2),
        S("C0201", "冠脉药物洗脱支架(集采)", "implant", B, 70000, 3, 0, True),
        S("C0202", "人工髋关节假体(集采)", "implant", B, 800000, 1, 0, True),
        S("C0203", "人工膝关节假体(集采)", "implant", B, 600000, 1, 0, True),
        S("C0204", "人工晶体", "implant", B, 150000, 1, 0, True),
        S("C0205", "疝修补补片", "implant", B, 120000, 1, 0, True),
        S("C0206", "一次性吻合器", "implant", B, 250000, 2, 0, True, gz={"category": C}),
        S("C0301", "医用敷料", "consumable", A, 500),
        S("C0302", "一次性导尿包", "consumable", A, 2500, 0, 0, True),
        S("C0401", "胰岛素注射笔针头", "needle", B, 200, 100),
    ]


#: Surgery → (anaesthesia, implant or None, extra days, lowest level that performs it)
SURGERIES = {
    "331003001": ("330100002", None, 2, 1),
    "331005001": ("330100001", "C0206", 2, 2),
    "331102001": ("330100002", None, 3, 2),
    "331503001": ("330100001", "C0202", 6, 3),
    "331504001": ("330100001", "C0203", 6, 3),
    "320500001": ("330100002", "C0201", 3, 3),
    "330604001": ("330100002", "C0204", 1, 2),
    "331008001": ("330100002", "C0205", 2, 1),
    "310902002": ("330100002", None, 1, 2),
}

#: Codes that appear on bills but are in no catalogue (hospital self-pay items): NOT_IN_CATALOGUE.
UNLISTED = [("ZF0001", "自费材料费", 3000), ("ZF0002", "院内制剂", 2500), ("ZF0003", "陪护床费", 2000)]


def national_list() -> list[Ref]:
    return _drugs() + _tcm() + _services() + _surgery()


def catalogue(region: int) -> list[CatalogueItem]:
    """The region's catalogue: the national list with the region's caps and terms."""
    tag = "CQ" if region == CQ else "GZ"
    out = []
    for r in national_list():
        if r.where not in ("*", tag):
            continue
        terms: dict[str, Any] = {"category": r.category, "max_qty": r.max_qty, "min_interval_days": r.interval}
        if region == GZ:
            terms.update(r.gz)
        cat: Category = terms["category"]
        cap = 0 if cat == C else int(r.price * CAP_FACTOR[region])
        out.append(
            CatalogueItem(r.code, cat, cap, r.inpatient_only, int(terms["max_qty"]), int(terms["min_interval_days"]))
        )
    return out


# ------------------------------------------------------------------------------------ institutions


@dataclass(frozen=True)
class InstSpec:
    key: str
    name: str
    region: int
    level: int
    grade: Grade
    note: str


INSTITUTIONS = [
    InstSpec("CQ-YD1", "重庆医科大学附属第一医院", CQ, 3, Grade.A, "三级甲等综合医院"),
    InstSpec("CQ-YZ", "重庆市渝中区人民医院", CQ, 2, Grade.B, "二级医院; its billing system overstates the fund share"),
    InstSpec("CQ-SPB", "重庆市沙坪坝区社区卫生服务中心", CQ, 1, Grade.A, "社区卫生服务中心"),
    InstSpec("CQ-HP", "重庆和平药房", CQ, 0, Grade.A, "定点零售药店; its system re-sends invoices"),
    InstSpec("GZ-ZS1", "中山大学附属第一医院", GZ, 3, Grade.A, "三级甲等综合医院"),
    InstSpec("GZ-SY", "广州市第一人民医院", GZ, 3, Grade.B, "三级医院"),
    InstSpec("GZ-YX", "广州市越秀区社区卫生服务中心", GZ, 1, Grade.C, "社区卫生服务中心"),
    InstSpec("GZ-KH", "广州康华医院", GZ, 2, Grade.D, "民营二级医院; claims surge Aug–Oct (fake admissions)"),
]
INST_BY_KEY = {s.key: s for s in INSTITUTIONS}
OVERCLAIMER, PHARMACY, SURGE = "CQ-YZ", "CQ-HP", "GZ-KH"
#: Where people go, by treating region and visit type.
ROUTES: dict[tuple[int, VisitType], list[tuple[str, float]]] = {
    (CQ, VisitType.OUTPATIENT): [("CQ-YD1", 0.27), ("CQ-YZ", 0.25), ("CQ-SPB", 0.48)],
    (CQ, VisitType.PHARMACY): [("CQ-HP", 1.0)],
    (CQ, VisitType.INPATIENT): [("CQ-YD1", 0.45), ("CQ-YZ", 0.4), ("CQ-SPB", 0.15)],
    (GZ, VisitType.OUTPATIENT): [("GZ-ZS1", 0.23), ("GZ-SY", 0.23), ("GZ-YX", 0.49), ("GZ-KH", 0.05)],
    (GZ, VisitType.INPATIENT): [("GZ-ZS1", 0.4), ("GZ-SY", 0.4), ("GZ-KH", 0.1), ("GZ-YX", 0.10)],
}
LEVEL_PRICE = {0: 0.95, 1: 0.9, 2: 1.0, 3: 1.1}


def institution_key(seed: int, i: int) -> bytes:
    """The deterministic signing key of institution ``i`` (a valid secp256k1 secret)."""
    return hashlib.sha256(f"yibao-demo-{seed}-institution-{i}".encode()).digest()


# ------------------------------------------------------------------------------------ people


@dataclass
class PersonSpec:
    idx: int
    pid: bytes
    home: int
    scheme: Scheme
    birth: dt.date
    coverage_from: dt.date
    coverage_to: dt.date
    weight: float
    chronic: list[str]
    working: bool  # an employee who pays contributions (not retired)
    wage: int = 0
    filings: list[tuple[int, dt.date, dt.date]] = field(default_factory=list)
    lives_in: int = 0  # region of residence (the other region for 异地安置)
    death: dt.date | None = None

    @property
    def age(self) -> int:
        return YEAR - self.birth.year

    @property
    def other(self) -> int:
        return GZ if self.home == CQ else CQ

    def filed(self, region: int, day: dt.date) -> bool:
        return any(r == region and a <= day <= b for r, a, b in self.filings)

    def alive(self, day: dt.date) -> bool:
        return self.death is None or day < self.death


def synthetic_id(rng: random.Random, region: int, birth: dt.date) -> str:
    first17 = f"{region // 100:04d}{rng.randrange(1, 99):02d}{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return first17 + check_digit(first17)


# ------------------------------------------------------------------------------------ claims


@dataclass
class PlannedClaim:
    """What an institution submits (its invoice, lines and, maybe, its own fund figure)."""

    inst: str
    invoice: str
    person: PersonSpec
    visit: VisitType
    service: dt.date
    lines: list[ClaimLine]
    ready: dt.date  # the day the institution has it (discharge for inpatients)
    discharge: dt.date | None = None
    claimed_fund: int | None = None
    tag: str = "regular"  # the generator's own label: regular chronic abuse fraud unfiled filed dup misuse
    dup_of: PlannedClaim | None = None

    @property
    def documents(self) -> bytes:
        return hashlib.sha256(f"docs:{self.inst}:{self.invoice}".encode()).digest()


@dataclass
class World:
    seed: int
    key: PseudonymKey
    people: list[PersonSpec]
    claims: list[PlannedClaim]
    items: dict[int, list[CatalogueItem]]
    names: dict[str, str]  # code → name (off chain, for the report)
    policies: list[PolicyVersion]


SEASON = [1.2, 0.8, 1.0, 0.95, 0.95, 0.9, 0.95, 0.95, 0.95, 1.0, 1.05, 1.25]
_MONTH_DAYS = [
    (dt.date(YEAR, m, 1), (dt.date(YEAR + (m == 12), m % 12 + 1, 1) - dt.date(YEAR, m, 1)).days) for m in range(1, 13)
]


class _Gen:
    def __init__(self, seed: int, n_people: int, n_claims: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.n_people = max(20, n_people)
        self.n_claims = max(100, n_claims)
        self.refs = {r.code: r for r in national_list()}
        self.items = {CQ: catalogue(CQ), GZ: catalogue(GZ)}
        self.listed = {reg: {it.code for it in items} for reg, items in self.items.items()}
        self.by_kind: dict[tuple[int, str], list[str]] = {}
        for reg in (CQ, GZ):
            for it in self.items[reg]:
                self.by_kind.setdefault((reg, self.refs[it.code].kind), []).append(it.code)
        self.serial: dict[str, int] = {s.key: 0 for s in INSTITUTIONS}
        self.policies = policies()
        self.claims: list[PlannedClaim] = []

    # ---------------------------------------------------------------- helpers
    def day_in_year(self, lo: dt.date = JAN1, hi: dt.date = DEC31) -> dt.date:
        rng = self.rng
        while True:
            m = rng.choices(range(12), weights=SEASON)[0]
            first, n = _MONTH_DAYS[m]
            d = first + dt.timedelta(days=rng.randrange(n))
            if lo <= d <= hi:
                return d

    def pick(self, region: int, kind: str) -> str:
        return self.rng.choice(self.by_kind[(region, kind)])

    def price(self, code: str, inst: InstSpec) -> int:
        ref = self.refs[code].price if code in self.refs else dict((c, p) for c, _, p in UNLISTED)[code]
        f = PRICE_FACTOR[inst.region] * LEVEL_PRICE[inst.level] * self.rng.uniform(0.92, 1.12)
        if inst.key == SURGE:
            f *= 1.2
        return max(1, int(ref * f))

    def line(self, code: str, qty: int, inst: InstSpec) -> ClaimLine:
        return ClaimLine(code, max(1, qty), self.price(code, inst))

    def route(self, region: int, visit: VisitType) -> InstSpec:
        if region == GZ and visit == VisitType.PHARMACY:
            visit = VisitType.OUTPATIENT  # 广州 has no designated pharmacy here: drugs from clinics
        opts = ROUTES[(region, visit)]
        key = self.rng.choices([k for k, _ in opts], weights=[w for _, w in opts])[0]
        return INST_BY_KEY[key]

    def invoice(self, inst: InstSpec, day: dt.date) -> str:
        self.serial[inst.key] += 1
        return f"{inst.key}-{day:%Y%m%d}-{self.serial[inst.key]:06d}"

    # ---------------------------------------------------------------- people
    def people(self, key: PseudonymKey) -> list[PersonSpec]:
        rng = self.rng
        out = []
        for i in range(self.n_people):
            home = CQ if rng.random() < PEOPLE_SHARE[CQ] else GZ
            age = min(95, max(0, int(rng.triangular(0, 95, 45))))
            birth = dt.date(YEAR - age, 1, 1) + dt.timedelta(days=rng.randrange(365))
            pid = key.pseudonym(synthetic_id(rng, home, birth))
            adult = 18 <= age <= 75
            employee = adult and rng.random() < EMPLOYEE_SHARE[home] * (1.15 if age < 60 else 0.8)
            scheme = Scheme.EMPLOYEE if employee else Scheme.RESIDENT
            working = employee and age < 60
            wage = 0
            if working:
                lo, hi = WAGE_FLOOR_CAP[home]
                wage = min(hi, max(lo, int(WAGE_MEDIAN[home] * rng.lognormvariate(0, 0.45))))
            chronic_p = 0.03 if age < 40 else 0.15 if age < 60 else 0.38
            chronic: list[str] = []
            if rng.random() < chronic_p:
                chronic = rng.sample(self.by_kind[(home, "chronic")], rng.choice([1, 1, 2]))
            weight = 1.3 if age < 7 else 0.55 if age < 40 else 0.9 if age < 60 else 1.6 if age < 75 else 2.2
            weight *= rng.lognormvariate(0, 0.5)
            if rng.random() < 0.04 and scheme == Scheme.RESIDENT and age > 0:
                cf = dt.date(YEAR, rng.randrange(2, 8), 1)  # joined mid-year: waiting period applies
            else:
                cf = dt.date(max(1998, YEAR - 1 - rng.randrange(0, 20)), 1, 1)
                if age < 1:
                    cf = dt.date(YEAR - 1, 1, 1)
            p = PersonSpec(i, pid, home, scheme, birth, cf, DEC31, weight, chronic, working, wage, lives_in=home)
            r = rng.random()
            if r < (0.10 if age >= 60 else 0.025):
                # 异地安置 / 长期居住: lives in the other region, filed there for the year (or from mid-year)
                start = JAN1 if rng.random() < 0.7 else dt.date(YEAR, rng.randrange(2, 7), 1)
                p.filings.append((p.other, start, DEC31))
                p.lives_in = p.other
            elif r < (0.10 if age >= 60 else 0.025) + 0.015:
                # 转诊备案: a referral to the other region for a planned admission
                start = self.day_in_year(JAN1, dt.date(YEAR, 11, 15))
                p.filings.append((p.other, start, start + dt.timedelta(days=rng.randrange(30, 61))))
            out.append(p)
        deaths = max(1, round(0.003 * self.n_people))
        for p in rng.sample([q for q in out if q.age >= 70 and not q.filings] or out, deaths):
            p.death = dt.date(YEAR, rng.randrange(4, 10), rng.randrange(1, 28))
        return out

    # ---------------------------------------------------------------- lines
    def outpatient_lines(
        self, p: PersonSpec, inst: InstSpec, day: dt.date, drugs_only: bool = False
    ) -> list[ClaimLine]:
        rng, reg = self.rng, inst.region
        lines: list[ClaimLine] = []
        if not drugs_only:
            consult = {
                1: "110200001",
                2: rng.choice(["110200001", "110200002"]),
                3: rng.choice(["110200002", "110200003", "110200003"]),
            }[inst.level]
            if rng.random() < 0.04 and inst.level >= 2:
                consult = "110200009"  # 特需门诊 (class C)
            lines.append(self.line(consult, 1, inst))
            if rng.random() < 0.5:
                exams = self.by_kind[(reg, "lab")] + (
                    self.by_kind[(reg, "imaging")] if inst.level >= 2 else ["210102001", "220100001", "310701001"]
                )
                for code in rng.sample(exams, rng.choice([1, 1, 2, 3])):
                    lines.append(self.line(code, 1, inst))
            if rng.random() < 0.12:
                lines.append(self.line(self.pick(reg, "therapy"), rng.choice([1, 1, 2]), inst))
        n = rng.choice([1, 1, 2, 2, 3])
        for _ in range(n):
            if p.chronic and rng.random() < 0.45:
                code = rng.choice(p.chronic)
            else:
                code = self.pick(reg, rng.choice(["acute", "acute", "tcm_acute"]))
            qty = rng.choice([1, 1, 2, 2, 3]) if rng.random() > 0.08 else rng.randrange(4, 7)
            lines.append(self.line(code, qty, inst))
        if rng.random() < 0.10 and not drugs_only:
            lines.append(self.line("121200001", 1, inst))
            lines.append(self.line("C0101", 1, inst))
            if rng.random() < 0.3:  # an inpatient-only antibiotic on an outpatient bill: INPATIENT_ONLY
                lines.append(self.line("XJ01DD04-1", 2, inst))
        if rng.random() < 0.05:
            lines.append(self.line(rng.choice(["ZX01", "ZX03", "XC10AA05-9"]), 1, inst))
        if rng.random() < 0.03:
            lines.append(self.line(rng.choice(UNLISTED)[0], 1, inst))
        return lines

    def pharmacy_lines(self, p: PersonSpec, inst: InstSpec) -> list[ClaimLine]:
        rng, reg = self.rng, inst.region
        lines = []
        for _ in range(rng.choice([1, 1, 2, 3])):
            kind = rng.choice(["acute", "acute", "tcm_acute", "tcm_chronic"])
            code = rng.choice(p.chronic) if p.chronic and rng.random() < 0.5 else self.pick(reg, kind)
            lines.append(self.line(code, rng.choice([1, 1, 2, 3]), inst))
        if rng.random() < 0.08:
            lines.append(self.line(rng.choice(["ZX01", "ZX02", "ZX03"]), rng.choice([1, 2]), inst))
        return lines

    def refill_lines(self, p: PersonSpec, inst: InstSpec) -> list[ClaimLine]:
        rng = self.rng
        lines = []
        if inst.level > 0:
            lines.append(self.line("110200001", 1, inst))
        for code in p.chronic:
            lines.append(self.line(code, rng.choice([1, 2, 2, 3]) if rng.random() > 0.05 else 5, inst))
            if "A10A" in code and rng.random() < 0.6:
                lines.append(self.line("C0401", rng.choice([30, 60]), inst))
        if inst.level > 0 and rng.random() < 0.15:
            lines.append(self.line(rng.choice(["250304001", "250305001", "250303001"]), 1, inst))
        return lines

    def inpatient_lines(self, p: PersonSpec, inst: InstSpec, fake: bool = False) -> tuple[list[ClaimLine], int]:
        rng, reg, lv = self.rng, inst.region, inst.level
        los = rng.randint(*{1: (3, 7), 2: (4, 10), 3: (5, 13)}[lv])
        surgery = None
        chemo = not fake and lv == 3 and rng.random() < 0.12 and p.age >= 30
        if not fake and not chemo and rng.random() < {1: 0.06, 2: 0.4, 3: 0.55}[lv]:
            options = [s for s, (_, _, _, low) in SURGERIES.items() if low <= lv]
            if p.age < 16 or p.age > 45:
                options = [s for s in options if s != "331102001"]
            surgery = rng.choice(options)
            los += SURGERIES[surgery][2]
        if fake:
            los = rng.randint(4, 7)
        if chemo:
            los = rng.randint(3, 5)
        lines = [
            self.line("110900001", los, inst),
            self.line("120100002" if (surgery or lv == 3) and not fake else "120100003", los, inst),
            self.line("110300001", los, inst),
            self.line("121200001", los * (1 if fake else 2), inst),
            self.line("C0101", los, inst),
            self.line("XB05XA03-1", 2 * los, inst),
            self.line("XB05BA03-1", los, inst),
        ]
        labs = ["250101001", "250301001", "250302001", "250303002", "250501001"]
        for code in labs + (["250401001", "250901001"] if surgery else []):
            lines.append(
                self.line(
                    code, rng.choice([1, 2, 3]) if code in ("250101001", "250303002") else rng.choice([1, 2]), inst
                )
            )
        if fake:
            lines.append(self.line("XJ01DD04-1", los, inst))
            lines.append(self.line("340100001", 1, inst))
            return lines, los
        for code in rng.sample(
            ["210102001", "220100001", "310701001", "210300001", "220600001", "210300002", "210400001"][
                : 5 if lv < 3 else 7
            ],
            rng.choice([2, 2, 3, 4]),
        ):
            lines.append(self.line(code, 1, inst))
        if lv >= 2 and (surgery or rng.random() < 0.5):
            lines.append(self.line("311000001", rng.randint(max(1, los // 2), los), inst))
            lines.append(self.line("310603002", rng.randint(1, los), inst))
        injections = [c for c in self.by_kind[(reg, "inj")] if "L01" not in c and "A04" not in c]
        for code in rng.sample(injections, rng.choice([2, 3, 3, 4])):
            lines.append(self.line(code, rng.randint(los, 3 * los), inst))
        if chemo:
            lines.append(self.line("XL01XA03-1", rng.randint(1, 3), inst))
            lines.append(self.line("XA04AA01-1", rng.randint(2, 6), inst))
            lines.append(self.line("250701001", 1, inst))
        if rng.random() < 0.5:
            lines.append(self.line(self.pick(reg, "acute"), rng.choice([1, 2]), inst))
        if p.chronic:
            lines.append(self.line(p.chronic[0], 1, inst))
        if surgery:
            anaes, implant, _, _ = SURGERIES[surgery]
            lines.append(self.line(surgery, 1, inst))
            lines.append(self.line(anaes, 1, inst))
            lines.append(self.line("XN01AX10-1", rng.randint(2, 5), inst))
            lines.append(self.line("C0102", 1, inst))
            lines.append(self.line("C0302", 1, inst))
            if implant:
                lines.append(self.line(implant, 1 if implant != "C0201" else rng.choice([1, 1, 2]), inst))
            if rng.random() < 0.3:
                lines.append(self.line("330100009", 1, inst))
            if rng.random() < 0.1:
                lines.append(self.line("XB05AA01-1", rng.randint(2, 6), inst))
        if lv == 3 and rng.random() < 0.06:
            lines.append(self.line("110900002", rng.randint(1, 3), inst))
        if rng.random() < 0.04 and lv >= 2:
            lines.append(self.line("110900009", rng.randint(1, los), inst))
        if rng.random() < 0.06:
            lines.append(self.line(rng.choice(UNLISTED)[0], rng.randint(1, los), inst))
        return lines, los

    # ---------------------------------------------------------------- claims
    def add(
        self,
        p: PersonSpec,
        inst: InstSpec,
        visit: VisitType,
        day: dt.date,
        tag: str,
        lines: list[ClaimLine] | None = None,
    ) -> PlannedClaim | None:
        rng = self.rng
        discharge = None
        if visit == VisitType.INPATIENT:
            lines, los = self.inpatient_lines(p, inst, fake=tag == "fraud")
            discharge = day + dt.timedelta(days=los)
            if discharge > DEC31:
                return None
        elif lines is None:
            if visit == VisitType.PHARMACY:
                lines = self.pharmacy_lines(p, inst)
            else:
                lines = self.outpatient_lines(p, inst, day)
        c = PlannedClaim(inst.key, self.invoice(inst, day), p, visit, day, lines, discharge or day, discharge)
        c.tag = tag
        if inst.key == OVERCLAIMER and rng.random() < 0.15:
            # its billing system applies the ratio to the whole bill plus 5 points: more than the chain allows
            pol = [v for v in self.policies if v.region == p.home and v.scheme == p.scheme]
            ratio = max((v.ip_ratio_bps if visit == VisitType.INPATIENT else v.op_ratio_bps)[inst.level] for v in pol)
            c.claimed_fund = sum(ln.billed for ln in lines) * min(10000, ratio + 500) // 10000
        self.claims.append(c)
        return c

    def where_treated(self, p: PersonSpec, day: dt.date) -> int:
        if p.lives_in != p.home and p.filed(p.lives_in, day):
            return p.lives_in if self.rng.random() < 0.92 else p.home
        return p.home

    def plan(self, people: list[PersonSpec]) -> None:
        rng, n = self.rng, self.n_claims
        alive = [p for p in people if p.age >= 0]
        # 1. fake admissions and visits at the surge institution, Aug–Oct (fraud found after payment)
        n_fraud = max(3, round(0.02 * n))
        gz_people = [p for p in alive if p.home == GZ and p.death is None] or alive
        kh = INST_BY_KEY[SURGE]
        for _ in range(n_fraud):
            p = rng.choice(gz_people)
            day = self.day_in_year(dt.date(YEAR, 8, 1), dt.date(YEAR, 10, 31))
            if rng.random() < 0.55:
                self.add(p, kh, VisitType.INPATIENT, day, "fraud")
            else:
                lines = [
                    self.line("110200001", 1, kh),
                    self.line("340100001", 2, kh),
                    self.line("340200001", 1, kh),
                    self.line("340100002", 1, kh),
                ]
                self.add(p, kh, VisitType.OUTPATIENT, day, "fraud", lines)
        # 2. people who exceed the monthly visit limit (医保卡套刷 / 过度就医), two or three months each
        abusers = rng.sample(
            [p for p in alive if p.death is None and p.coverage_from <= JAN1], max(1, round(0.012 * len(alive)))
        )
        for p in abusers:
            limit = 8 if p.scheme == Scheme.EMPLOYEE else 6
            for m in rng.sample(range(12), rng.choice([2, 3])):
                first, ndays = _MONTH_DAYS[m]
                for _ in range(limit + rng.randint(1, 4)):
                    day = first + dt.timedelta(days=rng.randrange(ndays))
                    visit = VisitType.PHARMACY if p.home == CQ and rng.random() < 0.7 else VisitType.OUTPATIENT
                    inst = self.route(p.home, visit)
                    if inst.level == 0:
                        self.add(p, inst, VisitType.PHARMACY, day, "abuse")
                    else:
                        self.add(
                            p,
                            inst,
                            VisitType.OUTPATIENT,
                            day,
                            "abuse",
                            self.outpatient_lines(p, inst, day, drugs_only=rng.random() < 0.5),
                        )
        # 3. care in the other region without a filing (travel, 未备案异地就医)
        for _ in range(max(2, round(0.02 * n))):
            p = rng.choice(alive)
            day = self.day_in_year()
            if p.filed(p.other, day) or not p.alive(day) or day < p.coverage_from:
                continue
            visit = VisitType.INPATIENT if rng.random() < 0.12 else VisitType.OUTPATIENT
            inst = self.route(p.other, visit)
            if visit == VisitType.OUTPATIENT and inst.level < 2:
                inst = INST_BY_KEY["CQ-YD1" if p.other == CQ else "GZ-ZS1"]
            self.add(p, inst, visit, day, "unfiled")
        # 4. referrals with a filing: the planned admission in the filed region
        for p in alive:
            for region, a, b in p.filings:
                if p.lives_in == p.home and p.alive(b):
                    inst = INST_BY_KEY["CQ-YD1" if region == CQ else "GZ-ZS1"]
                    self.add(p, inst, VisitType.INPATIENT, a + dt.timedelta(days=rng.randrange(0, 10)), "filed")
                    self.add(p, inst, VisitType.OUTPATIENT, a, "filed")
        # 5. a dead person's card used at a pharmacy after the death was registered (冒用)
        for p in alive:
            if p.death is not None:
                day = min(DEC31, p.death + dt.timedelta(days=rng.randrange(12, 40)))
                self.add(p, self.route(p.home, VisitType.PHARMACY), VisitType.PHARMACY, day, "misuse")
        # 6. chronic patients' monthly refills (长处方, ~every 30 days; some too early)
        budget = n - len(self.claims)
        chronic = [p for p in alive if p.chronic]
        refill_budget = int(budget * 0.25)
        rng.shuffle(chronic)
        used = 0
        for p in chronic:
            if used >= refill_budget:
                break
            day = dt.date(YEAR, 1, 1) + dt.timedelta(days=rng.randrange(0, 25))
            while day <= DEC31 and used < refill_budget:
                if p.alive(day) and day >= p.coverage_from:
                    region = self.where_treated(p, day)
                    visit = VisitType.PHARMACY if region == CQ and rng.random() < 0.6 else VisitType.OUTPATIENT
                    inst = self.route(region, visit)
                    if visit == VisitType.OUTPATIENT and inst.level >= 2 and rng.random() < 0.7:
                        inst = INST_BY_KEY["CQ-SPB" if region == CQ else "GZ-YX"]
                    if inst.level == 0:
                        visit = VisitType.PHARMACY
                    self.add(p, inst, visit, day, "chronic", self.refill_lines(p, inst))
                    used += 1
                day += dt.timedelta(days=rng.randint(15, 36) if rng.random() < 0.08 else rng.randint(26, 34))
        # 7. everything else: ordinary care, weighted by age and health
        weights = [p.weight for p in alive]
        while len(self.claims) < n - max(2, round(0.005 * n)):
            p = rng.choices(alive, weights=weights)[0]
            day = self.day_in_year(max(JAN1, p.coverage_from))
            if not p.alive(day):
                continue
            region = self.where_treated(p, day)
            r = rng.random()
            ip = 0.018 * (2.2 if p.age >= 65 else 1.0)
            visit = (
                VisitType.INPATIENT
                if r < ip
                else VisitType.PHARMACY
                if r < ip + (0.38 if region == CQ else 0.22)
                else VisitType.OUTPATIENT
            )
            inst = self.route(region, visit)
            if inst.level == 0 and visit != VisitType.PHARMACY:
                visit = VisitType.PHARMACY
            if region == GZ and visit == VisitType.PHARMACY:
                self.add(
                    p, inst, VisitType.OUTPATIENT, day, "regular", self.outpatient_lines(p, inst, day, drugs_only=True)
                )
            else:
                self.add(p, inst, visit, day, "regular")
        # 8. duplicate invoices: re-sent by the institution's system a few days later
        originals = [
            c
            for c in self.claims
            if c.inst in (PHARMACY, "CQ-SPB", "GZ-YX", "GZ-SY") and c.tag in ("regular", "chronic")
        ]
        for c in rng.sample(originals, min(len(originals), n - len(self.claims))):
            dup = PlannedClaim(
                c.inst,
                c.invoice,
                c.person,
                c.visit,
                c.service,
                list(c.lines),
                c.ready + dt.timedelta(days=rng.randint(3, 12)),
                c.discharge,
                c.claimed_fund,
                "dup",
                c,
            )
            self.claims.append(dup)


def build_world(seed: int, people: int, claims: int) -> World:
    g = _Gen(seed, people, claims)
    key = PseudonymKey(hashlib.sha256(f"yibao-demo-{seed}-pseudonym-key".encode()).digest())
    ppl = g.people(key)
    g.plan(ppl)
    names = {r.code: r.name for r in national_list()}
    names.update({c: n for c, n, _ in UNLISTED})
    return World(seed, key, ppl, g.claims, g.items, names, g.policies)
