"""The benchmark's unit tree: the demo county (平湖市) with its demo units, grown to ``towns`` towns
of ``villages_per_town`` villages each (default 1 + 10 + 200 units)."""

from __future__ import annotations

from dataclasses import dataclass

from models.units import UnitSpec
from models.vocabulary import Level

COUNTY = "pinghu"
# 平湖市's towns and streets; the first three are the demo tree's (stable ids).
TOWNS = [
    ("danghu", "当湖街道"),
    ("zhapu", "乍浦镇"),
    ("xindai", "新埭镇"),
    ("zhongdai", "钟埭街道"),
    ("caoqiao", "曹桥街道"),
    ("xincang", "新仓镇"),
    ("dushangang", "独山港镇"),
    ("huanggu", "黄姑镇"),
    ("guangchen", "广陈镇"),
    ("linda", "林埭镇"),
]
DEMO_VILLAGES = {
    "danghu": [("dongmen", "东门社区"), ("ximen", "西门社区")],
    "zhapu": [("tangshan", "汤山村")],
    "xindai": [("xinmin", "新民村")],
}
_VILLAGE_WORDS = "东南西北新民和平安乐永丰兴华秀溪湖塘桥港山河"


@dataclass(frozen=True)
class UnitTree:
    specs: list[UnitSpec]

    @property
    def towns(self) -> list[str]:
        return [u.id for u in self.specs if u.level == Level.town]

    @property
    def villages(self) -> list[str]:
        return [u.id for u in self.specs if u.level == Level.village]

    def parent(self, unit_id: str) -> str | None:
        return next(u.parent for u in self.specs if u.id == unit_id)


def _village_name(town: int, index: int) -> str:
    a = _VILLAGE_WORDS[(town * 7 + index) % len(_VILLAGE_WORDS)]
    b = _VILLAGE_WORDS[(town * 3 + index * 5 + 1) % len(_VILLAGE_WORDS)]
    return f"{a}{b}{'社区' if index % 3 == 0 else '村'}"


def bench_tree(towns: int, villages_per_town: int) -> UnitTree:
    specs = [UnitSpec(id=COUNTY, name="平湖市", level=Level.county)]
    for t in range(towns):
        key, name = TOWNS[t] if t < len(TOWNS) else (f"town{t:02d}", f"第{t + 1}镇")
        town_id = f"{COUNTY}.{key}"
        specs.append(UnitSpec(id=town_id, name=name, level=Level.town, parent=COUNTY))
        villages = list(DEMO_VILLAGES.get(key, []))[:villages_per_town]
        while len(villages) < villages_per_town:
            index = len(villages)
            villages.append((f"v{index:02d}", _village_name(t, index)))
        for v_key, v_name in villages:
            specs.append(
                UnitSpec(id=f"{town_id}.{v_key}", name=v_name, level=Level.village, parent=town_id)
            )
    return UnitTree(specs)
