"""What the benchmark registers: plausible petitions (valid resident ID numbers, the common subject
areas with a skewed mix) — the same vocabulary the bulk-loaded projection uses."""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta
from typing import Any

from stdnum.iso7064 import mod_11_2

# Subject areas and their share of petitions (DOMAIN.md › common subject areas).
CATEGORIES: list[tuple[str, float, str]] = [
    ("物业纠纷", 0.22, "小区物业费争议"),
    ("征地拆迁", 0.14, "征地补偿标准异议"),
    ("劳动工资", 0.16, "拖欠工资"),
    ("邻里纠纷", 0.12, "相邻通行纠纷"),
    ("环境保护", 0.10, "工厂夜间噪声扰民"),
    ("公共安全", 0.05, "楼道消防通道堵塞"),
    ("农村事务", 0.09, "宅基地审批"),
    ("涉法涉诉", 0.04, "判决执行不到位"),
    ("社会保障", 0.05, "养老保险待遇核定"),
    ("城乡建设", 0.03, "违章建筑举报"),
]
CATEGORY_NAMES = [c for c, _, _ in CATEGORIES]
CATEGORY_WEIGHTS = [w for _, w, _ in CATEGORIES]
TITLES = {c: t for c, _, t in CATEGORIES}
SURNAMES = "王李张刘陈杨黄赵周吴徐孙朱马胡郭林何高罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华"
CHANNELS = [("visit", 0.35), ("letter", 0.1), ("online", 0.3), ("phone", 0.15), ("grid", 0.1)]
KINDS = [("claim", 0.7), ("report", 0.15), ("suggestion", 0.15)]


def pick(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def id_number(serial: int) -> str:
    """A resident ID number of 平湖 (330482) with a real birth date and a valid check digit,
    distinct for each serial (so no registration is taken for a repeat petition)."""
    born = date(1950, 1, 1) + timedelta(days=(serial // 1000) % 18_000)
    body = f"330482{born:%Y%m%d}{serial % 1000:03d}"
    return body + mod_11_2.calc_check_digit(body)


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))


def registration(rng: random.Random, serial: int, unit_id: str) -> dict[str, Any]:
    """A minor petition (handled in the village) received by ``unit_id``."""
    category = rng.choices(CATEGORY_NAMES, weights=CATEGORY_WEIGHTS)[0]
    return {
        "petitioner": {
            "name": person(rng),
            "id_number": id_number(serial),
            "phone": f"138{rng.randrange(10**8):08d}",
            "address": f"{unit_id.rsplit('.', 1)[-1]} {rng.randrange(1, 300)}号",
        },
        "channel": pick(rng, CHANNELS),
        "kind": pick(rng, KINDS),
        "category": category,
        "severity": "minor",
        "unit_id": unit_id,
        "title": TITLES[category],
        "description": f"{TITLES[category]}，请求协调处理（第{serial}件）",
    }


_SERIALS = itertools.count(1)


def next_serial() -> int:
    """Distinct across the whole run, so no two registrations are the same petitioner."""
    return next(_SERIALS)
