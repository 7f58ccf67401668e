"""`GET /meta/workflows`: every workflow and every enum with its labels, for building UIs.

Each label comes in both languages (`labels`) and in the one the request asked for (`label`),
so an SPA can build its chips and selects from one call and switch language without another.
"""

from typing import Any

from pydantic import ConfigDict, Field

from app.db.models import Role
from app.domain.i18n import ENUM_LABELS, Language, text
from app.domain.schemas import ReadModel
from app.domain.workflow import Label, Workflow, all_workflows


class Labels(ReadModel):
    model_config = ConfigDict(populate_by_name=True)

    en: str
    zh_CN: str = Field(alias="zh-CN")


class Labelled(ReadModel):
    key: str = Field(description="the stable machine code (never translated)")
    label: str = Field(description="in the language the request asked for (Accept-Language)")
    labels: Labels


class WorkflowAction(Labelled):
    model_config = ConfigDict(populate_by_name=True)

    from_: list[str] = Field(alias="from", description="the states the action starts from")
    to: str | None = Field(description="the usual next state; null: the state does not change")
    possible_to: list[str] = Field(description="every state the action can lead to")
    roles: list[Role]
    condition: str | None = Field(description="a rule beyond the role, e.g. assignee only")


class WorkflowInfo(ReadModel):
    name: str
    initial: str
    states: list[Labelled]
    actions: list[WorkflowAction]


class EnumInfo(ReadModel):
    name: str = Field(description="e.g. `priority`, `role`, `sla_state`")
    values: list[Labelled]


class WorkflowCatalogue(ReadModel):
    language: Language = Field(description="the language of every `label` in this answer")
    languages: list[Language]
    workflows: list[WorkflowInfo]
    enums: list[EnumInfo]


def _labelled(key: str, label: Label, language: Language) -> dict[str, Any]:
    return {
        "key": key,
        "label": text(label, language),
        "labels": Labels(en=label.en, zh_CN=label.zh_CN),
    }


def describe_workflow(workflow: Workflow, language: Language) -> WorkflowInfo:
    return WorkflowInfo(
        name=workflow.name,
        initial=workflow.initial,
        states=[Labelled(**_labelled(k, v, language)) for k, v in workflow.states.items()],
        actions=[
            WorkflowAction(
                **_labelled(a.name, a.label, language),
                from_=sorted(a.sources),
                to=a.target,
                possible_to=sorted({a.target, *a.outcomes} - {None}),
                roles=sorted(a.roles),
                condition=a.guard_description,
            )
            for a in workflow.actions.values()
        ],
    )


def describe_everything(language: Language) -> WorkflowCatalogue:
    return WorkflowCatalogue(
        language=language,
        languages=list(Language),
        workflows=[describe_workflow(w, language) for w in all_workflows()],
        enums=[
            EnumInfo(
                name=name,
                values=[Labelled(**_labelled(m.value, labels[m], language)) for m in enum],
            )
            for name, (enum, labels) in ENUM_LABELS.items()
        ],
    )
