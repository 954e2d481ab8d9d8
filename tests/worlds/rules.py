"""The rule base the small test worlds share: one region's policy and two catalogues."""

from __future__ import annotations

import datetime as dt

from yibao.model.types import CatalogueItem, Category, PolicyVersion, Scheme

START = dt.date(2026, 1, 1)
CQ, GZ = 500000, 440100

POLICY = PolicyVersion(
    region=CQ,
    scheme=Scheme.EMPLOYEE,
    effective_from=START,
    op_deductible=10_000,
    ip_deductible=(0, 20_000, 50_000, 100_000),
    op_ratio_bps=(5000, 7000, 6000, 5000),
    ip_ratio_bps=(0, 9000, 8500, 8000),
    op_annual_cap=500_000,
    annual_cap=1_000_000,
    monthly_visit_limit=3,
    class_b_self_pay_bps=1000,
    cross_region_cut_bps=1000,
    waiting_days=0,
    review_threshold=100_000,
    max_claim_age_days=90,
    appeal_days=15,
)

CATALOGUE_CQ = (
    CatalogueItem("XA01", Category.A),
    CatalogueItem("XB01", Category.B),
    CatalogueItem("XC01", Category.C),
    CatalogueItem("XP01", Category.A, price_cap=3000),
    CatalogueItem("XQ01", Category.A, max_qty=2),
    CatalogueItem("XI01", Category.A, inpatient_only=True),
    CatalogueItem("XT01", Category.A, min_interval_days=7),
)
CATALOGUE_GZ = (CatalogueItem("GA01", Category.A),)


__all__ = ["CATALOGUE_CQ", "CATALOGUE_GZ", "CQ", "GZ", "POLICY", "START"]
