from enum import StrEnum


class NotificationKind(StrEnum):
    """What a notification is about; its texts are in app.domain.i18n.MESSAGES."""

    order_assigned = "order_assigned"
    completion_notice = "completion_notice"
    sla_warning = "sla_warning"
    sla_breached = "sla_breached"
    visit_detractor = "visit_detractor"
    survey_requested = "survey_requested"
    complaint_rejected = "complaint_rejected"
    complaint_assigned = "complaint_assigned"
    complaint_feedback = "complaint_feedback"
    complaint_reported = "complaint_reported"
    external_follow_up_due = "external_follow_up_due"
    external_overdue = "external_overdue"
    case_proposed = "case_proposed"
    case_assigned = "case_assigned"
