"""The service catalogue: our petition categories as GeoReport v2 services.

A service's ``name`` is the case's ``category``; its attributes are the extra questions that
category needs. An answer may set the petition's kind or raise its severity (and with it the
level the case starts at, 小事不出村、大事不出镇). Data only; bump ``CHANGESET`` on any change,
so clients know to refresh what they cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from models.vocabulary import Kind, Severity

CHANGESET = "2026-11-27 10:00"

Datatype = Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
LIST_DATATYPES = ("singlevaluelist", "multivaluelist")


@dataclass(frozen=True)
class Value:
    key: str
    name: str
    severity: Severity | None = None  # choosing it raises the petition to this severity
    kind: Kind | None = None  # choosing it sets the petition's kind


@dataclass(frozen=True)
class Attribute:
    code: str
    description: str
    datatype: Datatype
    required: bool = False
    datatype_description: str = ""
    values: tuple[Value, ...] = ()
    variable: bool = True  # False: information shown to the user, no input

    def value(self, key: str) -> Value | None:
        return next((v for v in self.values if v.key == key), None)


@dataclass(frozen=True)
class Service:
    code: str
    name: str  # the case category
    description: str
    group: str
    keywords: tuple[str, ...]
    kind: Kind  # the petition's kind unless an answer says otherwise
    attributes: tuple[Attribute, ...] = ()

    @property
    def metadata(self) -> bool:
        return bool(self.attributes)

    def attribute(self, code: str) -> Attribute | None:
        return next((a for a in self.attributes if a.code == code), None)


# 集体访: five or more people raising the same matter together; it starts at the county.
PEOPLE = Attribute(
    code="people",
    description="涉及人数",
    datatype="singlevaluelist",
    values=(
        Value("one", "1人"),
        Value("few", "2至4人"),
        Value("group", "5人及以上（集体访）", severity=Severity.group),
    ),
)
IMMINENT_DANGER = Attribute(
    code="imminent_danger",
    description="是否存在正在发生或随时可能发生的险情",
    datatype="singlevaluelist",
    required=True,
    values=(
        Value("yes", "是，需要立即处置", severity=Severity.urgent),
        Value("no", "否"),
    ),
)
POLLUTION = Attribute(
    code="pollution",
    description="污染类型",
    datatype="multivaluelist",
    required=True,
    values=(
        Value("water", "水污染"),
        Value("air", "大气污染"),
        Value("noise", "噪声污染"),
        Value("waste", "固体废物"),
        Value("soil", "土壤污染"),
        Value("other", "其他"),
    ),
)
LEGAL_CHANNEL_NOTICE = Attribute(
    code="legal_channel_notice",
    description=(
        "依照《信访工作条例》，应当通过诉讼、仲裁、行政复议等法定途径解决的事项，"
        "将引导依法导入相应法定程序（访诉分离）。"
    ),
    datatype="string",
    variable=False,
)
LEGAL_STAGE = Attribute(
    code="legal_stage",
    description="该事项目前所处的法律程序",
    datatype="singlevaluelist",
    required=True,
    values=(
        Value("none", "尚未进入诉讼、仲裁或行政复议程序"),
        Value("pending", "正在诉讼、仲裁或行政复议中"),
        Value("decided", "已有生效的判决、裁定、裁决或复议决定"),
    ),
)
KIND = Attribute(
    code="kind",
    description="信访事项类别",
    datatype="singlevaluelist",
    required=True,
    values=(
        Value("suggestion", "建议意见类", kind=Kind.suggestion),
        Value("report", "检举控告类", kind=Kind.report),
        Value("claim", "申诉求决类", kind=Kind.claim),
    ),
)

SERVICES: tuple[Service, ...] = (
    Service(
        code="property",
        name="物业纠纷",
        description="物业服务质量、物业费、公共维修资金、业主委员会等方面的纠纷",
        group="住房和城乡建设",
        keywords=("物业费", "物业服务", "维修资金", "业委会", "红色物业"),
        kind=Kind.claim,
        attributes=(PEOPLE,),
    ),
    Service(
        code="land_acquisition",
        name="征地拆迁",
        description="土地征收、房屋征收拆迁、安置补偿等方面的诉求",
        group="住房和城乡建设",
        keywords=("征地", "拆迁", "征收", "安置", "补偿"),
        kind=Kind.claim,
        attributes=(
            PEOPLE,
            Attribute(code="project", description="涉及的征收项目名称", datatype="string"),
        ),
    ),
    Service(
        code="labour",
        name="劳资纠纷",
        description="拖欠工资、劳动合同、社会保险等方面的纠纷",
        group="劳动和社会保障",
        keywords=("欠薪", "讨薪", "工资", "劳动合同", "社保"),
        kind=Kind.claim,
        attributes=(
            PEOPLE,
            Attribute(
                code="amount_owed",
                description="被拖欠的金额",
                datatype="number",
                datatype_description="阿拉伯数字，单位：元",
            ),
        ),
    ),
    Service(
        code="neighbours",
        name="邻里纠纷",
        description="相邻通行、采光、排水、噪音、宅基地界址等邻里之间的矛盾",
        group="基层社会治理",
        keywords=("邻居", "相邻关系", "宅基地", "噪音"),
        kind=Kind.claim,
    ),
    Service(
        code="environment",
        name="环境保护",
        description="水、大气、噪声、固体废物、土壤等环境污染问题的反映和举报",
        group="生态环境",
        keywords=("污染", "排污", "噪声", "垃圾", "异味"),
        kind=Kind.report,
        attributes=(POLLUTION,),
    ),
    Service(
        code="work_safety",
        name="安全生产",
        description="消防隐患、生产经营单位安全隐患、违规作业等问题的反映和举报",
        group="公共安全",
        keywords=("安全隐患", "消防", "违规作业", "危险化学品"),
        kind=Kind.report,
        attributes=(IMMINENT_DANGER,),
    ),
    Service(
        code="rural_affairs",
        name="农村事务",
        description="土地承包经营、农村集体资产、村务公开、惠农补贴等农村事务",
        group="农业农村",
        keywords=("土地承包", "集体资产", "村务公开", "惠农补贴"),
        kind=Kind.claim,
    ),
    Service(
        code="litigation",
        name="涉法涉诉",
        description="涉及诉讼、仲裁、行政复议等法定途径的事项",
        group="政法",
        keywords=("诉讼", "仲裁", "行政复议", "判决执行"),
        kind=Kind.claim,
        attributes=(LEGAL_CHANNEL_NOTICE, LEGAL_STAGE),
    ),
    Service(
        code="other",
        name="其他",
        description="以上类别以外的建议意见、检举控告或申诉求决事项",
        group="其他",
        keywords=("建议", "意见", "举报", "投诉"),
        kind=Kind.claim,
        attributes=(KIND,),
    ),
)

OTHER = SERVICES[-1]
_BY_CODE = {s.code: s for s in SERVICES}
_BY_NAME = {s.name: s for s in SERVICES}
CATALOGUED_CATEGORIES = frozenset(_BY_NAME)


def service_by_code(code: str) -> Service | None:
    return _BY_CODE.get(code)


def service_for_category(category: str) -> Service:
    """Cases registered through /api/v1 may carry any category; those outside the catalogue are
    shown as 其他."""
    return _BY_NAME.get(category, OTHER)
