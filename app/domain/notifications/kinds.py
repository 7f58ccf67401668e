from enum import StrEnum


class NotificationKind(StrEnum):
    """What a notification is about; its texts are in app.domain.i18n.MESSAGES."""

    order_assigned = "order_assigned"
    completion_notice = "completion_notice"
    sla_warning = "sla_warning"
    sla_breached = "sla_breached"
    case_proposed = "case_proposed"
    case_assigned = "case_assigned"
