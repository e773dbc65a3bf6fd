"""Labels the dashboard needs beyond ``models.vocabulary``: action form fields and their choices,
alert kinds, statuses. (Chinese, English), like the domain's own labels."""

from __future__ import annotations

from models.alerts import ALERT_KINDS
from models.vocabulary import (
    MEDIATION_OUTCOME_LABELS,
    PARTY_KIND_LABELS,
    REFERRAL_LABELS,
    CallbackMethod,
    Channel,
    Claim,
    Decision,
    DeclineReason,
    DeliveryMethod,
    Kind,
    Rating,
    Role,
    Severity,
    SuspendReason,
    TrackStatus,
)

Label = tuple[str, str]

FIELD_LABELS: dict[str, Label] = {
    "note": ("备注", "Note"),
    "reason": ("原因", "Reason"),
    "unit_id": ("转送至单位", "Forward to unit"),
    "officer_id": ("承办人", "Officer"),
    "claim": ("诉求研判", "Claim is"),
    "hardship": ("信访人生活困难", "Petitioner in hardship"),
    "unlawful_conduct": ("信访人有违法行为", "Unlawful conduct"),
    "track": ("到位事项", "Track"),
    "days": ("延期天数", "Days"),
    "summary": ("内容摘要", "Summary"),
    "rating": ("评价", "Rating"),
    "method": ("回访方式", "Callback by"),
    "contacted_on": ("回访日期", "Called back on"),
    "caller": ("回访人", "Called back by"),
    "decision": ("决定", "Decision"),
    # parameters of the workflow's own timeline events
    "channel": ("信访形式", "Channel"),
    "severity": ("事项分级", "Grade"),
    "clock": ("时限", "Clock"),
    # every petition of the matter counts, by letter and phone too: not 来访 (visits) alone
    "visit_count": ("信访次数", "Petitions"),
    "received_on": ("收件/来访日期", "Received on"),
    "title": ("标题", "Title"),
    "description": ("诉求内容", "Petition text"),
    # linked and merged cases
    "other_case_id": ("另一案件编号", "The other case's id"),
    "visits_added": ("并入信访次数", "Visits added"),
    # 交办/会办
    "lead_unit_id": ("主办单位", "Lead unit"),
    "co_unit_ids": ("会办单位", "Co-handling units"),
    "co_unit_id": ("会办单位", "Co-handling unit"),
    # the command system: 督办单 and 领导包案
    "respond_within": ("答复时限（天）", "Answer within (days)"),
    "order_id": ("督办单编号", "Order"),
    "leader_user_id": ("包案领导", "Responsible leader"),
    "plan": ("化解方案", "Plan"),
    "target_date": ("目标化解日期", "Target date"),
    "issuing_unit": ("督办单位", "Issued by unit"),
    "late": ("逾期答复", "Answered late"),
    "automatic": ("自动督办", "Automatic"),
    # 交办's and 督办单's (ACTION_FIELD_LABELS names each)
    "instructions": ("要求", "Instructions"),
    "due_at": ("期限", "Due"),
    # 送达 (deliver): which document, on which day
    "document_id": ("文书", "Document"),
    "document": ("文书", "Document"),
    "document_kind": ("文书", "Document"),
    "delivered_on": ("送达日期", "Delivered on"),
}

# A field whose label depends on the action (the same name means another thing there).
ACTION_FIELD_LABELS: dict[tuple[str, str], Label] = {
    ("hand_over", "days"): ("办理时限（天）", "Deadline (days)"),
    ("hand_over", "instructions"): ("交办要求", "Instructions"),
    ("hand_over", "due_at"): ("办理时限", "Due"),
    ("supervise", "instructions"): ("督办要求", "Instructions"),
    ("supervise", "due_at"): ("答复期限", "Answer due"),
    ("report", "summary"): ("会办情况", "Report"),
}

# The registration form's fields (POST /api/v1/cases), by their names in the body.
REGISTRATION_LABELS: dict[str, Label] = {
    "petitioner.name": ("信访人姓名", "Petitioner's name"),
    "petitioner.id_number": ("身份证号", "ID number"),
    "petitioner.phone": ("联系电话", "Phone"),
    "petitioner.address": ("住址", "Address"),
    "channel": ("信访形式", "Channel"),
    "kind": ("信访类型", "Kind"),
    "category": ("事项类别", "Category"),
    "severity": ("事项分级", "Grade"),
    "group": ("集体访（5人以上）", "Group petition (five or more people)"),
    "unit_id": ("受理单位", "Receiving unit"),
    "title": ("事项标题", "Title"),
    "description": ("诉求内容", "The petition's content"),
    "received_on": ("收件/来访日期", "Received on"),
    "sms_opt_out": ("信访人不接收短信告知", "No SMS notices to the petitioner"),
}

CHOICE_LABELS: dict[str, Label] = {
    DeclineReason.legal_channel: ("应通过诉讼、仲裁、行政复议等法定途径解决", "Legal channel"),
    DeclineReason.out_of_scope: ("不属于信访受理范围", "Out of scope"),
    DeclineReason.repeat_final: ("已复核终结，不再受理", "Closed after re-review"),
    DeclineReason.other: ("其他", "Other"),
    SuspendReason.hearing: ("听证", "Hearing"),
    SuspendReason.appraisal: ("鉴定", "Appraisal"),
    Claim.reasonable: ("诉求合理", "Reasonable"),
    Claim.partly_reasonable: ("诉求部分合理", "Partly reasonable"),
    Claim.unreasonable: ("诉求不合理", "Unreasonable"),
    CallbackMethod.phone: ("电话回访", "Phone"),
    CallbackMethod.visit: ("上门回访", "Visit"),
    CallbackMethod.sms: ("短信回访", "Text message"),
    CallbackMethod.online: ("网上回访", "Online"),
    Rating.satisfied: ("满意", "Satisfied"),
    Rating.basically_satisfied: ("基本满意", "Basically satisfied"),
    Rating.unsatisfied: ("不满意", "Unsatisfied"),
    Decision.upheld: ("维持原意见", "Upheld"),
    Decision.revised: ("变更原意见", "Revised"),
    DeliveryMethod.in_person: ("直接送达", "In person"),
    DeliveryMethod.mail: ("邮寄送达", "By mail"),
}

TRACK_STATUS_LABELS: dict[str, Label] = {
    TrackStatus.pending: ("待落实", "Pending"),
    TrackStatus.done: ("已到位", "Done"),
    TrackStatus.not_applicable: ("不适用", "Not applicable"),
}

CLOCK_STATUS_LABELS: dict[str, Label] = {
    "running": ("计时中", "Running"),
    "paused": ("已中止计时", "Paused"),
    "met": ("按期完成", "Met"),
    # a met run that a later run of the same clock replaced (reopen, forward): it was cut short,
    # not completed on time
    "superseded": ("已另行起算", "Restarted"),
    # a petitioner's request window (申请复查/复核期限) that ended: nobody's deadline was met
    "window_ended": ("已结束", "Ended"),
    "breached": ("已超期", "Breached"),
}

ALERT_KIND_LABELS: dict[str, Label] = {
    kind: (spec.label, spec.label_en) for kind, spec in ALERT_KINDS.items()
}

ROLE_LABELS: dict[str, Label] = {
    Role.officer: ("办理人员", "Officer"),
    Role.supervisor: ("督办领导", "Supervisor"),
    Role.admin: ("管理员", "Admin"),
    Role.system: ("系统", "System"),
    Role.petitioner: ("信访人（网上）", "Petitioner (online)"),
}

KIND_LABELS: dict[str, Label] = {
    Kind.suggestion: ("建议意见类", "Suggestion"),
    Kind.report: ("检举控告类", "Report"),
    Kind.claim: ("申诉求决类", "Claim"),
}

SEVERITY_LABELS: dict[str, Label] = {
    Severity.minor: ("一般", "Minor"),
    Severity.major: ("重大", "Major"),
    # 集体访 is a form of petition (five or more people), not a degree of urgency: the
    # registration form offers it as its own checkbox
    Severity.group: ("集体访", "Group petition"),
    Severity.urgent: ("紧急", "Urgent"),
}

CHANNEL_LABELS: dict[str, Label] = {
    Channel.visit: ("来访", "Visit"),
    Channel.letter: ("来信", "Letter"),
    Channel.online: ("网上信访", "Online"),
    Channel.phone: ("来电", "Phone"),
    Channel.grid: ("网格上报", "Grid"),
}

# -- 调解 (mediation, issue 17): its form fields and choices ------------------------------------
FIELD_LABELS.update(
    {
        "mediation": ("需调解（当事人之间的纠纷）", "Mediate (a dispute between parties)"),
        "mediator": ("调解员/调解组织", "Mediator"),
        "parties": ("当事人", "Parties"),
        "held_on": ("调解日期", "Held on"),
        "outcome": ("调解结果", "Outcome"),
        "terms": ("协议内容（调解协议书）", "Terms of the agreement"),
        "referral": ("导向法定途径", "Referred to"),
        "mediation_unit_id": ("调解单位", "Mediating unit"),
        "received_unit_id": ("接待单位", "Received at"),
    }
)
CHOICE_LABELS.update(
    {
        **{value.value: pair for value, pair in MEDIATION_OUTCOME_LABELS.items()},
        **{value.value: pair for value, pair in REFERRAL_LABELS.items()},
        **{value.value: pair for value, pair in PARTY_KIND_LABELS.items()},
    }
)
