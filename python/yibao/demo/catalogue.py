"""The demo's catalogues: a national list of drugs, TCM, services, surgery and consumables with
reference prices, and each region's catalogue drawn from it (its caps and terms).

Codes and prices are made up in the shape of the national lists; prices are fen per unit. The
lists are tables, one entry a row, columns separated by spaces: ``qty`` is the maximum quantity
per claim (0: none), ``days`` the minimum interval between two bills of the item (0: none),
``ip`` marks inpatient-only items, ``where`` the region (``*`` both) and ``gz`` the terms that
differ in 广州 (``-`` none, else ``key=value,…``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from yibao.demo.world_rules import CAP_FACTOR, CQ, GZ
from yibao.model.types import CatalogueItem, Category

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


#: Drugs for acute illness, each in a small and a large pack.
ACUTE = """
# atc    cat  price  name
J01CA04  A    1200   阿莫西林胶囊
J01DC02  B    2500   头孢呋辛酯片
J01MA12  A    1800   左氧氟沙星片
J01FA10  A    2000   阿奇霉素片
M01AE01  A    1500   布洛芬缓释胶囊
N02BE01  A    600    对乙酰氨基酚片
R05CB06  B    1800   氨溴索口服溶液
J05AH02  B    4500   奥司他韦胶囊
A07BC05  A    1500   蒙脱石散
A02BC01  A    1200   奥美拉唑肠溶胶囊
A02BC04  B    3200   雷贝拉唑钠肠溶片
R06AX13  A    1600   氯雷他定片
R03DC03  B    4200   孟鲁司特钠片
R03AC02  A    2600   沙丁胺醇气雾剂
R03AK07  B    16800  布地奈德福莫特罗吸入剂
M01AB05  A    900    双氯芬酸钠缓释片
D06AX09  B    1400   莫匹罗星软膏
"""
#: Drugs for chronic illness, each as a 30-day and a 60-day supply.
CHRONIC = """
# atc    cat  price  days  name
A10BA02  A    1800   0     二甲双胍缓释片
A10BB12  B    2400   0     格列美脲片
A10BF01  B    3600   0     阿卡波糖片
A10AE04  B    7200   20    甘精胰岛素注射液
A10AB05  B    5400   20    门冬胰岛素注射液
A10BK01  B    5200   0     达格列净片
C08CA01  A    1200   0     氨氯地平片
C08CA05  B    3200   0     硝苯地平控释片
C09CA03  B    2400   0     缬沙坦胶囊
C09CA04  B    2000   0     厄贝沙坦片
C07AB02  B    2800   0     美托洛尔缓释片
C10AA05  B    1600   20    阿托伐他汀钙片
C10AA07  B    1800   20    瑞舒伐他汀钙片
B01AC06  A    1500   0     阿司匹林肠溶片
B01AC04  B    2300   20    氯吡格雷片
H03AA01  A    2600   0     左甲状腺素钠片
"""
#: Injections (inpatient only), each in a standard and a large size.
INJECTIONS = """
# atc    cat  price  name
J01DD04  A    800    注射用头孢曲松钠
J01CR05  B    3500   注射用哌拉西林他唑巴坦
B01AB05  B    3000   依诺肝素钠注射液
B05AA01  B    38000  人血白蛋白
N01AX10  A    2200   丙泊酚乳状注射液
H02AB04  B    2800   注射用甲泼尼龙琥珀酸钠
B05XA03  A    300    氯化钠注射液
B05BA03  A    300    葡萄糖注射液
B05BA01  B    4500   复方氨基酸注射液
A02BC02  B    1800   注射用泮托拉唑钠
J01DH02  B    9000   注射用美罗培南
J01DD62  B    4200   注射用头孢哌酮舒巴坦
L01XA03  B    60000  注射用奥沙利铂
A04AA01  B    2500   昂丹司琼注射液
"""
#: Self-pay drugs (class C).
DRUGS_SELF_PAY = """
# code      kind     cat  price  qty  days  ip  where  gz  name
XC10AA05-9  selfpay  C    5800   0    0     -   *      -   阿托伐他汀钙片(进口原研)
"""
#: Chinese patent medicines of the national list, each in a standard and a large pack.
TCM = """
# code  kind         cat  price  gz          name
ZA01    tcm_acute    B    2500   category=A  连花清瘟胶囊
ZA02    tcm_chronic  A    3000   -           复方丹参滴丸
ZA03    tcm_chronic  B    3800   -           血塞通软胶囊
ZA04    tcm_chronic  A    1500   -           六味地黄丸
ZA05    tcm_acute    A    1200   -           板蓝根颗粒
ZA06    tcm_acute    A    800    -           藿香正气水
ZA07    tcm_acute    A    1400   -           小柴胡颗粒
ZA08    tcm_chronic  B    4200   -           通心络胶囊
ZA09    tcm_chronic  B    2200   -           银杏叶片
ZA10    inj          B    1800   -           丹参注射液
"""
#: Chinese patent medicines listed in one region only.
TCM_LOCAL = """
# code  where  cat  price  name
ZC01    CQ     B    1600   三七伤药片
ZC02    CQ     A    1100   复方鱼腥草片
ZC03    CQ     A    1300   川贝枇杷糖浆
ZC04    CQ     B    3900   麝香保心丸
ZG01    GZ     A    900    保济丸
ZG02    GZ     A    1000   夏桑菊颗粒
ZG03    GZ     A    1200   复方感冒灵颗粒
ZG04    GZ     B    6800   滋肾育胎丸
"""
#: Self-pay TCM (class C).
TCM_SELF_PAY = """
# code  kind     cat  price  qty  days  ip  where  gz  name
ZX01    selfpay  C    12000  0    0     -   *      -   阿胶
ZX02    selfpay  C    50000  0    0     -   *      -   冬虫夏草
ZX03    selfpay  C    8000   0    0     -   *      -   西洋参饮片
"""
#: Consultations, beds, nursing, laboratory, imaging, therapy and dialysis.
SERVICES = """
# code     kind        cat  price   qty  days  ip  where  gz                    name
110200001  consult     A    1000    1    0     -   *      -                     普通门诊诊查费
110200002  consult     A    2500    1    0     -   *      -                     副主任医师诊查费
110200003  consult     A    5000    1    0     -   *      -                     主任医师诊查费
110200005  consult     A    1500    1    0     -   *      -                     急诊诊查费
110200009  selfpay     C    30000   1    0     -   *      -                     特需门诊诊查费
110300001  ip_consult  A    1500    0    0     ip  *      -                     住院诊查费
110900001  bed         A    4000    0    0     ip  *      -                     普通病房床位费
110900002  icu         A    20000   0    0     ip  *      -                     重症监护病房床位费
110900009  selfpay_ip  C    50000   0    0     ip  *      -                     特需病房床位费
120100002  nursing     A    3000    0    0     ip  *      -                     一级护理
120100003  nursing     A    1800    0    0     ip  *      -                     二级护理
121200001  iv          A    800     0    0     -   *      -                     静脉输液
311000001  monitor     A    9000    0    0     ip  *      -                     心电监护
310603002  monitor     A    3000    0    0     ip  *      -                     氧气吸入
250901001  lab_ip      A    8000    0    0     ip  *      -                     血气分析
250303002  lab         A    3000    1    0     -   *      -                     电解质
120400001  iv          A    300     0    0     -   *      -                     肌肉注射
250101001  lab         A    2000    1    0     -   *      -                     血常规
250102001  lab         A    1000    1    0     -   *      -                     尿常规
250301001  lab         A    6000    1    0     -   *      -                     肝功能
250302001  lab         A    4000    1    0     -   *      -                     肾功能
250303001  lab         A    4500    1    0     -   *      -                     血脂四项
250304001  lab         A    800     1    0     -   *      -                     血糖
250305001  lab         A    7000    1    30    -   *      min_interval_days=60  糖化血红蛋白
250401001  lab         A    6000    1    0     -   *      -                     凝血功能
250501001  lab         A    3000    1    0     -   *      -                     C反应蛋白
250601001  lab         B    12000   1    30    -   *      category=A            甲状腺功能
250701001  lab         B    15000   1    30    -   *      category=A            肿瘤标志物
250801001  lab         B    4000    1    0     -   *      -                     流感病毒抗原检测
210102001  imaging     A    8000    1    0     -   *      -                     胸部DR
210300001  imaging     B    25000   1    7     -   *      min_interval_days=5   CT平扫
210300002  imaging     B    45000   1    7     -   *      min_interval_days=5   CT增强
210400001  imaging     B    60000   1    14    -   *      -                     磁共振平扫
220100001  imaging     A    15000   1    0     -   *      -                     腹部彩超
220600001  imaging     B    25000   1    0     -   *      -                     心脏彩超
310701001  imaging     A    2500    1    0     -   *      -                     心电图
310701002  imaging     B    18000   1    30    -   *      -                     动态心电图
310603001  imaging     B    12000   1    90    -   *      -                     肺功能检查
310901001  imaging     B    30000   1    30    -   *      -                     胃镜检查
310902001  imaging     B    40000   1    30    -   *      -                     肠镜检查
340200001  therapy     B    4000    1    0     -   *      -                     针灸治疗
340200002  therapy     B    5000    1    0     -   *      category=C            推拿治疗
340100001  therapy     B    3500    2    0     -   *      -                     物理治疗
340100002  therapy     B    6000    1    30    -   *      -                     康复评定
230000009  selfpay     C    200000  1    0     -   *      -                     肿瘤基因检测
310000009  selfpay     C    60000   1    0     -   *      -                     健康体检套餐
340000009  selfpay     C    100000  1    0     -   *      -                     医疗美容治疗
311201001  dialysis    A    40000   1    0     -   GZ     -                     血液透析
311201002  dialysis    A    30000   1    0     -   CQ     -                     腹膜透析
"""
#: Operations, anaesthesia, consumables and implants.
SURGERY = """
# code     kind         cat  price   qty  days  ip  where  gz          name
331003001  surgery      A    150000  1    0     ip  *      -           阑尾切除术
331005001  surgery      A    300000  1    0     ip  *      -           腹腔镜胆囊切除术
331102001  surgery      A    200000  1    0     ip  *      -           剖宫产术
331503001  surgery      B    800000  1    0     ip  *      -           人工髋关节置换术
331504001  surgery      B    750000  1    0     ip  *      -           人工膝关节置换术
320500001  surgery      B    600000  1    0     ip  *      -           经皮冠状动脉支架置入术
330604001  surgery      A    250000  1    0     ip  *      -           白内障超声乳化摘除术
331008001  surgery      A    150000  1    0     ip  *      -           腹股沟疝修补术
310902002  surgery      B    100000  1    0     ip  *      -           内镜下结肠息肉切除术
330100001  anaesthesia  A    100000  1    0     ip  *      -           全身麻醉
330100002  anaesthesia  A    60000   1    0     ip  *      -           椎管内麻醉
330100009  selfpay_ip   C    30000   1    0     ip  *      -           术后镇痛泵
C0101      consumable   A    300     0    0     -   *      -           一次性输液器
C0102      consumable   B    1500    2    0     -   *      -           静脉留置针
C0201      implant      B    70000   3    0     ip  *      -           冠脉药物洗脱支架(集采)
C0202      implant      B    800000  1    0     ip  *      -           人工髋关节假体(集采)
C0203      implant      B    600000  1    0     ip  *      -           人工膝关节假体(集采)
C0204      implant      B    150000  1    0     ip  *      -           人工晶体
C0205      implant      B    120000  1    0     ip  *      -           疝修补补片
C0206      implant      B    250000  2    0     ip  *      category=C  一次性吻合器
C0301      consumable   A    500     0    0     -   *      -           医用敷料
C0302      consumable   A    2500    0    0     ip  *      -           一次性导尿包
C0401      needle       B    200     100  0     -   *      -           胰岛素注射笔针头
"""


def rows(text: str) -> list[list[str]]:
    """The rows of a table: its lines split on spaces, without blank and ``#`` lines."""
    return [ln.split() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


def gz_terms(text: str) -> dict[str, Any]:
    """广州's different terms: ``-``, or ``key=value,…`` with a category letter or a number."""
    terms: dict[str, Any] = {}
    for pair in text.split(",") if text != "-" else []:
        key, value = pair.split("=")
        terms[key] = Category[value] if key == "category" else int(value)
    return terms


def refs(text: str) -> list[Ref]:
    """Entries of a table of ``code kind cat price qty days ip where gz name``."""
    return [
        Ref(code, name, kind, Category[cat], int(price), int(qty), int(days), ip == "ip", where, gz_terms(gz))
        for code, kind, cat, price, qty, days, ip, where, gz, name in rows(text)
    ]


def drugs() -> list[Ref]:
    out: list[Ref] = []
    for atc, cat, price, name in rows(ACUTE):
        c, p = Category[cat], int(price)
        out.append(Ref(f"X{atc}-1", f"{name}(小包装)", "acute", c, p, 3, gz={"max_qty": 4}))
        out.append(Ref(f"X{atc}-2", f"{name}(大包装)", "acute", c, p * 17 // 10, 3, gz={"max_qty": 4}))
    for atc, cat, price, days, name in rows(CHRONIC):
        c, p, interval = Category[cat], int(price), int(days)
        out.append(Ref(f"X{atc}-1", f"{name}(30日量)", "chronic", c, p, 3, interval))
        out.append(Ref(f"X{atc}-2", f"{name}(60日量)", "chronic", c, p * 19 // 10, 2, interval, gz={"max_qty": 3}))
    for atc, cat, price, name in rows(INJECTIONS):
        c, p = Category[cat], int(price)
        out.append(Ref(f"X{atc}-1", name, "inj", c, p, 0, 0, True))
        out.append(Ref(f"X{atc}-2", f"{name}(大规格)", "inj", c, p * 18 // 10, 0, 0, True))
    return out + refs(DRUGS_SELF_PAY)


def tcm() -> list[Ref]:
    out = []
    for code, kind, cat, price, gz, name in rows(TCM):
        c, p, ip = Category[cat], int(price), kind == "inj"
        out.append(Ref(f"{code}-1", name, kind, c, p, 0 if ip else 3, 0, ip, gz=gz_terms(gz)))
        out.append(Ref(f"{code}-2", f"{name}(大包装)", kind, c, p * 18 // 10, 0 if ip else 2, 0, ip, gz=gz_terms(gz)))
    for code, where, cat, price, name in rows(TCM_LOCAL):
        out.append(Ref(f"{code}-1", name, "tcm_acute", Category[cat], int(price), 3, where=where))
    return out + refs(TCM_SELF_PAY)


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
    return drugs() + tcm() + refs(SERVICES) + refs(SURGERY)


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


def item_names() -> dict[str, str]:
    """Code → name of every code a bill may carry (listed or not), for the report."""
    names = {r.code: r.name for r in national_list()}
    names.update({c: n for c, n, _ in UNLISTED})
    return names


__all__ = [
    "ACUTE",
    "CHRONIC",
    "DRUGS_SELF_PAY",
    "INJECTIONS",
    "SERVICES",
    "SURGERIES",
    "SURGERY",
    "TCM",
    "TCM_LOCAL",
    "TCM_SELF_PAY",
    "UNLISTED",
    "A",
    "B",
    "C",
    "Ref",
    "catalogue",
    "drugs",
    "gz_terms",
    "item_names",
    "national_list",
    "refs",
    "rows",
    "tcm",
]
