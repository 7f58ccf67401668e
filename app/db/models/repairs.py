"""Repair orders (维修服务单) and external repair attempts (对外送修): their states and actions.

The tables follow with the repair-order service (issue 10); the enums come first so the workflow
tables, their tests and the read schemas share one spelling of every state and action.
"""

from enum import StrEnum


class RepairOrderStatus(StrEnum):
    received = "received"
    assigned = "assigned"
    diagnosed = "diagnosed"
    repairing = "repairing"
    external = "external"
    reinspection = "reinspection"
    ready = "ready"
    delivered = "delivered"
    confirmed = "confirmed"
    closed = "closed"
    cancelled = "cancelled"


class RepairOrderAction(StrEnum):
    assign = "assign"
    diagnose = "diagnose"
    start_repair = "start_repair"
    send_out = "send_out"
    finish_repair = "finish_repair"
    reinspect = "reinspect"
    return_unrepaired = "return_unrepaired"
    deliver = "deliver"
    confirm = "confirm"
    close = "close"
    cancel = "cancel"


class RepairRoute(StrEnum):
    in_house = "in_house"
    external = "external"


class ExternalRepairStatus(StrEnum):
    planned = "planned"
    contacted = "contacted"
    at_vendor = "at_vendor"
    returned = "returned"
    unrepairable = "unrepairable"
    cancelled = "cancelled"


class ExternalRepairAction(StrEnum):
    contact = "contact"
    send = "send"
    follow_up = "follow_up"
    receive = "receive"
    cancel = "cancel"
