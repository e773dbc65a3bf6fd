"""What an Open311 client shows its user about a petition, in Chinese. Texts only: the states and
clocks they describe are defined in ``models``."""

from __future__ import annotations

from models.vocabulary import STATE_LABELS

DECLINE_NOTES = {
    "legal_channel": "该事项应当通过诉讼、仲裁、行政复议等法定途径解决",
    "out_of_scope": "该事项不属于信访事项受理范围",
    "repeat_final": "该事项已经复核终结，不再受理",
    "other": "理由详见书面告知",
}
SUSPENSION_CAUSES = {"hearing": "听证", "appraisal": "鉴定", "other": "其他法定事由"}

# What happens by the due time of the clock that runs in the case's current step.
CLOCK_NOTICES = {
    "acceptance": "将于 {due} 前书面告知是否受理",
    "handling": "将于 {due} 前办理完毕并出具书面答复意见",
    "review_window": "如对答复意见不服，可于 {due} 前向上一级机关申请复查；逾期未申请的，事项办结",
    "review": "复查机关将于 {due} 前提出复查意见",
    "re_review_window": (
        "如对复查意见不服，可于 {due} 前向再上一级机关申请复核；逾期未申请的，事项办结"
    ),
    "re_review": "复核机关将于 {due} 前提出复核意见",
}
PENDING_NOTICE = "已收到，正在登记；请稍后凭 token 查询受理编号（service_request_id）"
RECEIVED = "已收到您的信访事项（受理编号 {code}）"


def status_notes(state: str, *, decline_reason: str | None, suspension: str | None) -> str:
    label = STATE_LABELS[state][0]
    if state == "not_accepted" and decline_reason in DECLINE_NOTES:
        return f"{label}：{DECLINE_NOTES[decline_reason]}"
    if state == "suspended":
        cause = SUSPENSION_CAUSES.get(suspension or "other", SUSPENSION_CAUSES["other"])
        return f"{label}：{cause}期间不计入办理期限"
    if state == "withdrawn":
        return f"{label}：信访人已撤回该事项"
    return label
