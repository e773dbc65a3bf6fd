"""Closed vocabularies of the domain, with their Chinese and English labels.

Values are the wire values of ``API.md``; labels are what officers read.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    officer = "officer"
    supervisor = "supervisor"
    admin = "admin"
    system = "system"  # the workflow itself: warnings, breaches, automatic escalation and closing
    # the petitioner online, with the tracking code and a one-time code (no user of the API)
    petitioner = "petitioner"


class PiiAccessKind(StrEnum):
    """What a reading of personal data was, as the access log records it."""

    reveal = "reveal"  # the unmasked contact details on the case page (with a reason)
    document = "document"  # a document download that carries personal data
    export = "export"  # a list or statistics export holding personal data
    person_search = "person_search"  # a search for a person by name, phone or ID number
    petitioner_history = "petitioner_history"  # the cases of one petitioner
    attachment = "attachment"  # a download of a case attachment
    sms = "sms"  # the phone decrypted to text the petitioner (a notice or a one-time code)


class Level(StrEnum):
    """Levels from the bottom up. Cases are handled and escalate village → town → county; the
    levels above county receive only 复查 and 复核 (review and re-review of a county's reply)."""

    village = "village"
    town = "town"
    county = "county"
    city = "city"
    province = "province"

    @property
    def rank(self) -> int:
        """0 at the bottom (village); a parent's rank is higher than its children's."""
        return list(Level).index(self)


class Channel(StrEnum):
    visit = "visit"
    letter = "letter"
    online = "online"
    phone = "phone"
    grid = "grid"


class Kind(StrEnum):
    suggestion = "suggestion"
    report = "report"
    claim = "claim"


class Severity(StrEnum):
    minor = "minor"
    major = "major"
    group = "group"
    urgent = "urgent"

    def starting_level(self) -> Level:
        """小事不出村、大事不出镇: where a case of this severity is first handled."""
        return {
            Severity.minor: Level.village,
            Severity.major: Level.town,
            Severity.group: Level.county,
            Severity.urgent: Level.county,
        }[self]


class Track(StrEnum):
    resolution = "resolution"
    education = "education"
    assistance = "assistance"
    legal = "legal"


class TrackStatus(StrEnum):
    pending = "pending"
    done = "done"
    not_applicable = "not_applicable"


class Claim(StrEnum):
    reasonable = "reasonable"
    partly_reasonable = "partly_reasonable"
    unreasonable = "unreasonable"


class DeclineReason(StrEnum):
    legal_channel = "legal_channel"
    out_of_scope = "out_of_scope"
    repeat_final = "repeat_final"
    other = "other"


class SuspendReason(StrEnum):
    hearing = "hearing"
    appraisal = "appraisal"
    other = "other"


class Rating(StrEnum):
    satisfied = "satisfied"
    basically_satisfied = "basically_satisfied"
    unsatisfied = "unsatisfied"


class CallbackMethod(StrEnum):
    """How the petitioner was called back (回访)."""

    phone = "phone"
    visit = "visit"
    sms = "sms"
    online = "online"


class Decision(StrEnum):
    upheld = "upheld"
    revised = "revised"


# (Chinese, English). Tests check that every state and event of the machine has one.
STATE_LABELS: dict[str, tuple[str, str]] = {
    "registered": ("已登记待受理", "Registered"),
    "handling": ("办理中", "Handling"),
    "suspended": ("中止", "Suspended"),
    "replied": ("已答复", "Replied"),
    "under_review": ("复查中", "Under review"),
    "reviewed": ("已复查", "Reviewed"),
    "under_re_review": ("复核中", "Under re-review"),
    "closed": ("已办结", "Closed"),
    "not_accepted": ("不予受理", "Not accepted"),
    "withdrawn": ("已撤回", "Withdrawn"),
    "merged": ("已合并", "Merged"),
}

ACTION_LABELS: dict[str, tuple[str, str]] = {
    "accept": ("受理", "Accept"),
    "decline": ("不予受理", "Decline"),
    "forward": ("转送", "Forward"),
    # in-unit assignment (分办); 交办 is an upper organ handing a matter down
    "assign": ("指定承办人", "Assign an officer"),
    "assess": ("研判", "Assess"),
    # 办结 means closing the case; a track is marked in place (the form names the track)
    "complete_track": ("标记到位", "Mark a track done"),
    "extend": ("延期", "Extend"),
    "suspend": ("中止", "Suspend"),
    "resume": ("恢复办理", "Resume"),
    "escalate": ("上报", "Escalate"),
    "reply": ("书面答复", "Reply"),
    "feedback": ("回访评价", "Feedback"),
    "reopen": ("重新办理", "Reopen"),
    "request_review": ("申请复查", "Request review"),
    "review_opinion": ("复查意见", "Review opinion"),
    "request_re_review": ("申请复核", "Request re-review"),
    "re_review_opinion": ("复核意见", "Re-review opinion"),
    # the petitioner withdraws; the officer records it
    "withdraw": ("信访人撤回", "Petitioner withdraws"),
    "warn": ("预警", "Early warning"),
    "breach": ("超期", "Breach"),
    "auto_escalate": ("超期上报", "Automatic escalation"),
    "auto_close": ("逾期未申请复查自动办结", "Automatic closing"),
    "visit": ("重复信访", "Repeat petition"),
    # 交办/会办 (models/lifecycle.py)
    "hand_over": ("交办", "Hand over"),
    "report": ("报送会办情况", "Report (co-handling)"),
    "take_back": ("收回交办", "Take back"),
    # the command system: supervision orders and a responsible leader
    "supervise": ("下发督办单", "Issue a supervision order"),
    "respond_supervision": ("答复督办单", "Answer a supervision order"),
    "assign_leader": ("领导包案", "Assign a responsible leader"),
    "deliver": ("送达", "Deliver a document"),
    # 调解 (issue 17): mediation between the parties to a claim
    "start_mediation": ("启动调解", "Start mediation"),
    "record_session": ("记录调解", "Record a mediation session"),
    "close_mediation": ("结束调解", "Close mediation"),
    "link": ("关联案件", "Link a case"),
    "unlink": ("取消关联", "Unlink a case"),
    "merge": ("合并至原案", "Merge into the case it repeats"),
    "linked": ("被关联", "Linked by another case"),
    "unlinked": ("被取消关联", "Unlinked by another case"),
    "merged_in": ("重复件并入", "Duplicate merged in"),
}

# Events on a case's record that are not actions of its lifecycle: written by the service itself.
RECORD_LABELS: dict[str, tuple[str, str]] = {
    "purge_personal_data": ("个人信息已按保存期限删除", "Personal data purged (retention period)"),
}
EVENT_LABELS: dict[str, tuple[str, str]] = {**ACTION_LABELS, **RECORD_LABELS}

LEVEL_LABELS: dict[Level, tuple[str, str]] = {
    # a slash, not brackets: labels are often written inside brackets ("东门社区（村/社区）")
    Level.village: ("村/社区", "Village"),
    Level.town: ("镇/街道", "Town"),
    Level.county: ("县/市", "County"),
    Level.city: ("地级市", "City"),
    Level.province: ("省", "Province"),
}

TRACK_LABELS: dict[Track, tuple[str, str]] = {
    Track.resolution: ("解决问题到位", "Problem resolved"),
    Track.education: ("思想教育到位", "Education given"),
    Track.assistance: ("帮扶救助到位", "Assistance delivered"),
    Track.legal: ("依法处理", "Handled according to law"),
}


class AttachmentKind(StrEnum):
    """What a file attached to a case is."""

    letter_scan = "letter_scan"
    photo = "photo"
    agreement = "agreement"
    other = "other"


ATTACHMENT_KIND_LABELS: dict[AttachmentKind, tuple[str, str]] = {
    AttachmentKind.letter_scan: ("信件扫描件", "Letter scan"),
    AttachmentKind.photo: ("照片", "Photo"),
    AttachmentKind.agreement: ("协议书", "Agreement"),
    AttachmentKind.other: ("其他材料", "Other"),
}


class UnitKind(StrEnum):
    """An area unit (村/镇/县: cases rise along their chain) or a functional department under
    one (住建局, 人社局: cases are handed to it, never escalated into it)."""

    area = "area"
    department = "department"


UNIT_KIND_LABELS: dict[UnitKind, tuple[str, str]] = {
    UnitKind.area: ("属地单位", "Area unit"),
    UnitKind.department: ("职能部门", "Department"),
}


# -- documents issued to the petitioner and their delivery (送达) -------------------------------
class DocumentKind(StrEnum):
    """The written notices the law has the petitioner receive (信访工作条例)."""

    acceptance_notice = "acceptance_notice"  # 受理告知书
    non_acceptance_notice = "non_acceptance_notice"  # 不予受理告知书
    extension_notice = "extension_notice"  # 延期办理告知书
    handling_opinion = "handling_opinion"  # 信访事项处理意见书 (the written reply)
    review_opinion = "review_opinion"  # 复查意见书
    re_review_opinion = "re_review_opinion"  # 复核意见书
    delivery_receipt = (
        "delivery_receipt"  # 送达回证: the record of a delivery, not delivered itself
    )
    mediation_agreement = "mediation_agreement"  # 调解协议书 (close_mediation, outcome agreement)


DOCUMENT_KIND_LABELS: dict[DocumentKind, tuple[str, str]] = {
    DocumentKind.acceptance_notice: ("受理告知书", "Notice of acceptance"),
    DocumentKind.non_acceptance_notice: ("不予受理告知书", "Notice of non-acceptance"),
    DocumentKind.extension_notice: ("延期办理告知书", "Notice of extension"),
    DocumentKind.handling_opinion: ("信访事项处理意见书", "Handling opinion (written reply)"),
    DocumentKind.review_opinion: ("复查意见书", "Review opinion"),
    DocumentKind.re_review_opinion: ("复核意见书", "Re-review opinion"),
    DocumentKind.delivery_receipt: ("送达回证", "Proof of delivery"),
    DocumentKind.mediation_agreement: ("调解协议书", "Mediation agreement"),
}


class DeliveryMethod(StrEnum):
    """How a document reached the petitioner (送达方式)."""

    in_person = "in_person"  # 直接送达
    mail = "mail"  # 邮寄送达
    sms = "sms"  # 短信告知
    online = "online"  # 网上送达 (the tracking page)


DELIVERY_METHOD_LABELS: dict[DeliveryMethod, tuple[str, str]] = {
    DeliveryMethod.in_person: ("直接送达", "In person"),
    DeliveryMethod.mail: ("邮寄送达", "By mail"),
    DeliveryMethod.sms: ("短信送达", "By SMS"),
    DeliveryMethod.online: ("网上送达", "Online"),
}


# -- 调解 (mediation, issue 17) ------------------------------------------------------------------
class MediationOutcome(StrEnum):
    agreement = "agreement"  # 调解成功: a 调解协议书 with its terms
    failed = "failed"  # 调解不成: referred to a legal channel (访诉分离)
    withdrawn = "withdrawn"  # a party withdrew from mediation


class Referral(StrEnum):
    """The legal channel a failed mediation refers the dispute to (诉讼、仲裁、行政复议)."""

    litigation = "litigation"
    arbitration = "arbitration"
    reconsideration = "reconsideration"


class PartyKind(StrEnum):
    person = "person"
    organisation = "organisation"


MEDIATION_OUTCOME_LABELS: dict[MediationOutcome, tuple[str, str]] = {
    MediationOutcome.agreement: ("达成调解协议", "Agreement"),
    MediationOutcome.failed: ("调解不成", "Failed"),
    MediationOutcome.withdrawn: ("退出调解", "Withdrawn"),
}
REFERRAL_LABELS: dict[Referral, tuple[str, str]] = {
    Referral.litigation: ("诉讼", "Litigation"),
    Referral.arbitration: ("仲裁", "Arbitration"),
    Referral.reconsideration: ("行政复议", "Administrative reconsideration"),
}
PARTY_KIND_LABELS: dict[PartyKind, tuple[str, str]] = {
    PartyKind.person: ("个人", "Person"),
    PartyKind.organisation: ("组织", "Organisation"),
}
