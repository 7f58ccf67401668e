"""The language catalogue: every text a person reads, in `en` and `zh-CN`.

Machine codes (enum values, problem `code` and `type`, notification `kind`) never change with
the language; only the labels and texts here do. The language of a request is picked from its
`Accept-Language` header (app.http.language) and passed to where a text is made: problem titles
(app.http.problems), notification texts (rendered when read, app.domain.notifications) and the
labels of `GET /meta/workflows`. State and action labels live in each workflow's table.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from app.db.models import (
    CaseCriterion,
    OrderChannel,
    OrderKind,
    PauseKind,
    Priority,
    Role,
    SlaState,
    VisitMethod,
)
from app.db.models.complaints import ComplaintSeverity, ComplaintSource
from app.db.models.repairs import BilledTo, RepairOutcome, RepairRoute, RouteReason, VendorResult
from app.domain.notifications.kinds import NotificationKind
from app.domain.timeline import Channel, RecordKind
from app.domain.visits.schemas import NpsCategory
from app.domain.workflow import Label


class Language(StrEnum):
    en = "en"
    zh_CN = "zh-CN"


def text(label: Label, language: Language) -> str:
    return label.zh_CN if language == Language.zh_CN else label.en


# Every enum a client shows as a chip or a select, under the name /meta/workflows lists it by.
ENUM_LABELS: Mapping[str, tuple[type[StrEnum], Mapping[str, Label]]] = {
    "role": (
        Role,
        {
            Role.customer: Label("Customer", "客户"),
            Role.engineer: Label("Engineer", "工程师"),
            Role.clerk: Label("Clerk", "文员"),
            Role.supervisor: Label("Supervisor", "部门负责人"),
        },
    ),
    "service_order_kind": (
        OrderKind,
        {
            OrderKind.remote: Label("Remote", "远程服务"),
            OrderKind.onsite: Label("On site", "上门服务"),
        },
    ),
    "service_order_channel": (
        OrderChannel,
        {
            OrderChannel.phone: Label("Phone", "电话"),
            OrderChannel.fax: Label("Fax", "传真"),
            OrderChannel.email: Label("Email", "电子邮件"),
            OrderChannel.portal: Label("Customer portal", "客户门户"),
            OrderChannel.walk_in: Label("Walk-in", "来访"),
        },
    ),
    "priority": (
        Priority,
        {
            Priority.low: Label("Low", "低"),
            Priority.normal: Label("Normal", "普通"),
            Priority.high: Label("High", "高"),
            Priority.urgent: Label("Urgent", "紧急"),
        },
    ),
    "sla_state": (
        SlaState,
        {
            SlaState.ok: Label("On time", "正常"),
            SlaState.warning: Label("Warning", "预警"),
            SlaState.breached: Label("Breached", "超时"),
        },
    ),
    "sla_pause_kind": (
        PauseKind,
        {
            PauseKind.hold: Label("On hold", "暂停"),
            PauseKind.awaiting_confirmation: Label("Awaiting confirmation", "待客户确认"),
        },
    ),
    "record_kind": (
        RecordKind,
        {
            RecordKind.communication: Label("Communication", "沟通记录"),
            RecordKind.work: Label("Work", "工作记录"),
            RecordKind.internal: Label("Internal note", "内部备注"),
        },
    ),
    "record_channel": (
        Channel,
        {
            Channel.phone: Label("Phone", "电话"),
            Channel.fax: Label("Fax", "传真"),
            Channel.email: Label("Email", "电子邮件"),
            Channel.portal: Label("Customer portal", "客户门户"),
            Channel.walk_in: Label("Walk-in", "来访"),
            Channel.onsite: Label("On site", "现场"),
            Channel.other: Label("Other", "其他"),
        },
    ),
    "repair_route": (
        RepairRoute,
        {
            RepairRoute.in_house: Label("In house", "内部维修"),
            RepairRoute.external: Label("External", "对外送修"),
        },
    ),
    "repair_route_reason": (
        RouteReason,
        {
            RouteReason.in_warranty: Label("Under manufacturer warranty", "厂家保修期内"),
            RouteReason.beyond_local_capability: Label(
                "Beyond local capability", "超出本地维修能力"
            ),
        },
    ),
    "repair_outcome": (
        RepairOutcome,
        {
            RepairOutcome.repaired: Label("Repaired", "已修复"),
            RepairOutcome.unrepairable: Label("Unrepairable", "无法修复"),
        },
    ),
    "billed_to": (
        BilledTo,
        {
            BilledTo.customer: Label("Customer", "客户"),
            BilledTo.warranty: Label("Warranty", "保修"),
            BilledTo.vendor: Label("Vendor", "外修站"),
        },
    ),
    "external_repair_result": (
        VendorResult,
        {
            VendorResult.repaired: Label("Repaired", "已修复"),
            VendorResult.unrepairable: Label("Unrepairable", "无法修复"),
        },
    ),
    "notification_kind": (
        NotificationKind,
        {
            NotificationKind.order_assigned: Label("Order assigned", "派工通知"),
            NotificationKind.completion_notice: Label("Completion notice", "办结告知"),
            NotificationKind.sla_warning: Label("SLA warning", "时限预警"),
            NotificationKind.sla_breached: Label("SLA breached", "超时催办"),
            NotificationKind.visit_detractor: Label("Unhappy customer", "客户不满意"),
            NotificationKind.survey_requested: Label("Satisfaction survey", "满意度问卷"),
            NotificationKind.complaint_rejected: Label("Complaint rejected", "投诉否定报备"),
            NotificationKind.complaint_assigned: Label("Complaint to handle", "投诉处理指派"),
            NotificationKind.complaint_feedback: Label("Complaint feedback", "投诉处理反馈"),
            NotificationKind.complaint_reported: Label("Complaint handled", "投诉处理结果告知"),
            NotificationKind.external_follow_up_due: Label("Chase the station", "外修跟催提醒"),
            NotificationKind.external_overdue: Label("Overdue at the station", "外修逾期"),
            NotificationKind.case_proposed: Label("Case proposed", "疑难案件待确认"),
            NotificationKind.case_assigned: Label("Case assigned", "疑难案件指派"),
        },
    ),
    "visit_method": (
        VisitMethod,
        {
            VisitMethod.phone: Label("Phone", "电话回访"),
            VisitMethod.onsite: Label("On site", "上门回访"),
            VisitMethod.email: Label("Email", "邮件回访"),
            VisitMethod.online_survey: Label("Online survey", "在线问卷"),
        },
    ),
    "nps_category": (
        NpsCategory,
        {
            NpsCategory.promoter: Label("Promoter", "推荐者"),
            NpsCategory.passive: Label("Passive", "中立者"),
            NpsCategory.detractor: Label("Detractor", "贬损者"),
        },
    ),
    "complaint_source": (
        ComplaintSource,
        {
            ComplaintSource.hotline: Label("Service hotline", "服务热线"),
            ComplaintSource.callback: Label("Customer callback", "客户回访"),
            ComplaintSource.portal: Label("Customer portal", "客户门户"),
            ComplaintSource.email: Label("Email", "电子邮件"),
            ComplaintSource.walk_in: Label("Walk-in", "来访"),
        },
    ),
    "complaint_severity": (
        ComplaintSeverity,
        {
            ComplaintSeverity.low: Label("Low", "轻微"),
            ComplaintSeverity.medium: Label("Medium", "一般"),
            ComplaintSeverity.high: Label("High", "严重"),
            ComplaintSeverity.critical: Label("Critical", "重大"),
        },
    ),
    "case_criterion": (
        CaseCriterion,
        {
            CaseCriterion.repeat_failure: Label("Repeat failure", "重复故障"),
            CaseCriterion.sla_breached: Label("SLA breached", "超出服务时限"),
            CaseCriterion.multiple_visits: Label("Multiple visits", "多次上门"),
            CaseCriterion.key_customer: Label("Key customer", "重点客户"),
            CaseCriterion.safety_risk: Label("Safety risk", "安全风险"),
            CaseCriterion.beyond_authority: Label("Beyond authority", "超出处理权限"),
            CaseCriterion.other: Label("Other", "其他"),
        },
    ),
}

# Problem titles by stable `code` (RFC 9457: the title belongs to the problem type).
PROBLEM_TITLES: Mapping[str, Label] = {
    "bad_request": Label("Bad request", "请求有误"),
    "invalid_json": Label("Invalid JSON", "JSON 格式错误"),
    "invalid_idempotency_key": Label("Invalid Idempotency-Key", "Idempotency-Key 无效"),
    "not_authenticated": Label("Not authenticated", "未登录"),
    "invalid_grant": Label("Invalid credentials", "凭据无效"),
    "forbidden": Label("Forbidden", "无权操作"),
    "not_found": Label("Not found", "未找到"),
    "method_not_allowed": Label("Method not allowed", "不支持该请求方法"),
    "not_acceptable": Label("Not acceptable", "无法提供所需格式"),
    "request_timeout": Label("Request timeout", "请求超时"),
    "conflict": Label("Conflict", "数据冲突"),
    "version_conflict": Label("Changed by someone else", "已被他人修改"),
    "invalid_transition": Label("Action not allowed in this state", "当前状态不允许此操作"),
    "appointment_conflict": Label("Engineer already booked", "工程师该时段已有预约"),
    "idempotency_in_flight": Label("Request still in progress", "相同请求仍在处理中"),
    "precondition_failed": Label("Version mismatch", "版本不一致"),
    "payload_too_large": Label("Request body too large", "请求内容过大"),
    "unsupported_media_type": Label("Unsupported media type", "不支持的内容类型"),
    "validation_error": Label("Invalid input", "输入有误"),
    "idempotency_key_reused": Label("Idempotency-Key reused", "Idempotency-Key 已用于其他请求"),
    "precondition_required": Label("If-Match required", "需要 If-Match"),
    "too_many_requests": Label("Too many requests", "请求过于频繁"),
    "internal_error": Label("Internal error", "服务器内部错误"),
    "unavailable": Label("Service unavailable", "服务暂不可用"),
}


def problem_title(code: str, language: Language) -> str | None:
    label = PROBLEM_TITLES.get(code)
    return text(label, language) if label is not None else None


@dataclass(frozen=True)
class Template:
    """A notification's title and body, with `{name}` placeholders filled from its params."""

    title: Label
    body: Label


# 办结告知 and the other notices. Params are stored with the notification, so its text is made
# in the reader's language when it is read.
MESSAGES: Mapping[NotificationKind, Template] = {
    NotificationKind.order_assigned: Template(
        Label("{number} assigned to you", "{number} 已派给您"),
        Label("{subject}", "{subject}"),
    ),
    NotificationKind.completion_notice: Template(
        Label("Service order {number} is complete", "技术服务任务单 {number} 已办结"),
        Label("{subject}\n\nResult: {resolution}", "{subject}\n\n处理结果：{resolution}"),
    ),
    NotificationKind.sla_warning: Template(
        Label(
            "{number}: SLA warning (75 % of the time used)", "{number}：时限预警（已用 75 % 时间）"
        ),
        Label(
            "{subject}\nResponse due {response_due}, resolution due {resolve_due}.",
            "{subject}\n响应时限 {response_due}，解决时限 {resolve_due}。",
        ),
    ),
    NotificationKind.sla_breached: Template(
        Label("{number}: SLA breached", "{number}：已超时"),
        Label(
            "{subject}\nResponse due {response_due}, resolution due {resolve_due}.",
            "{subject}\n响应时限 {response_due}，解决时限 {resolve_due}。",
        ),
    ),
    # `number` names the customer, `subject` its answer (a visit has no number of its own).
    NotificationKind.visit_detractor: Template(
        Label("{number}: unhappy at the callback", "{number}：回访不满意"),
        Label(
            "{subject}\n\nFollow it up or file a complaint.",
            "{subject}\n\n请跟进或登记投诉。",
        ),
    ),
    # `number` is the survey's first topic (the order's number), `subject` all of them.
    NotificationKind.survey_requested: Template(
        Label("Please rate our service: {number}", "请评价我们的服务：{number}"),
        Label(
            "{subject}\n\nAnswer the survey in the portal.", "{subject}\n\n请在客户门户中填写问卷。"
        ),
    ),
    # 否定报备: every supervisor hears of a rejected complaint, with the reason.
    NotificationKind.complaint_rejected: Template(
        Label("Complaint {number} rejected by {by}", "投诉 {number} 已被 {by} 否定"),
        Label(
            "{complainant}: {subject}\n\nReason: {reason}",
            "{complainant}：{subject}\n\n理由：{reason}",
        ),
    ),
    NotificationKind.complaint_assigned: Template(
        Label("Complaint {number} is yours to handle", "投诉 {number} 已指派给您处理"),
        Label("{subject}\n\nCause: {cause}", "{subject}\n\n原因分析：{cause}"),
    ),
    NotificationKind.complaint_feedback: Template(
        Label("Complaint {number}: result fed back", "投诉 {number}：处理结果反馈"),
        Label(
            "{subject}\n\n{feedback}\n\nActions taken: {actions}",
            "{subject}\n\n{feedback}\n\n处理措施：{actions}",
        ),
    ),
    # To the customer: only what the customer may read of its own complaint.
    NotificationKind.complaint_reported: Template(
        Label("Your complaint {number} has been handled", "您的投诉 {number} 已处理"),
        Label("{subject}\n\nWhat we did: {actions}", "{subject}\n\n处理措施：{actions}"),
    ),
    NotificationKind.external_follow_up_due: Template(
        Label("{number}: chase {vendor}", "{number}：请跟催 {vendor}"),
        Label(
            "{subject}\nAttempt {attempt} at {vendor}: a follow-up was due {due}.",
            "{subject}\n第 {attempt} 次送修（{vendor}）：应于 {due} 跟催。",
        ),
    ),
    NotificationKind.external_overdue: Template(
        Label("{number}: overdue at {vendor}", "{number}：{vendor} 逾期未返还"),
        Label(
            "{subject}\nAttempt {attempt} at {vendor} was expected back {due}.",
            "{subject}\n第 {attempt} 次送修（{vendor}）应于 {due} 返还。",
        ),
    ),
    NotificationKind.case_proposed: Template(
        Label("Difficult case {number} proposed", "疑难案件 {number} 待确认"),
        Label("{subject}", "{subject}"),
    ),
    NotificationKind.case_assigned: Template(
        Label("Difficult case {number} is yours", "疑难案件 {number} 由您处理"),
        Label("{subject}", "{subject}"),
    ),
}


def render_message(
    kind: str, params: Mapping[str, Any], language: Language
) -> tuple[str, str] | None:
    """The (title, body) of a notification of `kind` in `language`; None when `kind` has no
    template or the params do not fill it (then the stored text is shown)."""
    try:
        template = MESSAGES[NotificationKind(kind)]
        return (
            text(template.title, language).format_map(params),
            text(template.body, language).format_map(params),
        )
    except (ValueError, KeyError, IndexError):
        return None
