"""Case kinds: what the engine works on without knowing it.

A *case kind* (an application, later a 12345 ticket or a payment) is a class registered here by its
own app (``register_case_kind`` in its ``AppConfig.ready``). It declares:

- its process: the stages a case goes through (``stages``), each of a ``catalog.choices.StageKind``,
  with one branch per department for a parallel stage;
- its handling department, and the number, title and topic copied onto its tasks for the inbox;
- its action table (``actions``: one ``ActionSpec`` per action a task of the kind can take), which
  the workbench form, the API's validation and the dispatch all read;
- how each action changes the case: the method of the same name, called with the locked case;
- optional hooks: ``on_escalated`` (an overdue task was escalated) and ``sweep`` (the kind's own
  deadline checks, run with the engine's sweep).

The engine (``engine``, ``services``, ``deadlines``) owns tasks and never writes a case kind's
tables; a case kind writes its own tables and asks the engine to open, finish or hand over tasks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from onewindow.catalog.choices import StageKind
from onewindow.core.errors import DomainError

if TYPE_CHECKING:
    from onewindow.accounts.models import User
    from onewindow.workflow.models import Task

# What an action can require of the person taking it (the form's fields and the API's body).
COMMENT, LEGAL_BASIS, FAULTS, DEPARTMENT = "comment", "legal_basis", "faults", "department"
REQUIREMENTS = (COMMENT, LEGAL_BASIS, FAULTS, DEPARTMENT)
# The field each requirement is reported on, and what is said when it is missing.
REQUIREMENT_FIELDS = {
    COMMENT: "public_comment",
    LEGAL_BASIS: "legal_basis",
    FAULTS: "faults",
    DEPARTMENT: "department",
}
MISSING = {
    COMMENT: _("请填写理由（申请人可见）。"),
    LEGAL_BASIS: _("请填写法律依据。"),
    FAULTS: _("请逐项列出需要补正的材料或内容（一次性告知）。"),
    DEPARTMENT: _("请选择接收的其他部门。"),
}
# The role whose inbox a stage of each kind goes to.
ROLE_FOR_STAGE: dict[str, str] = {
    StageKind.ACCEPTANCE: "clerk",
    StageKind.REVIEW: "reviewer",
    StageKind.DECISION: "decider",
    StageKind.DELIVERY: "clerk",
}


@dataclass(frozen=True)
class Input:
    """An input of its own an action takes beyond the common requirements (a ticket's dispatch
    names assisting departments, an extension a number of days): the task page draws it, the API
    accepts it under ``name``, and the engine checks and converts it before the handler reads it
    from ``ActionContext.inputs``.

    ``type``: ``text`` (at most ``max_length`` characters), ``integer`` (``minimum`` ..
    ``maximum``), ``boolean`` (a yes/no choice), ``department`` (a department's slug),
    ``departments`` (several slugs), ``number`` (another case's number)."""

    name: str
    label: Any
    type: str = "text"
    required: bool = False
    minimum: int = 0
    maximum: int = 0
    max_length: int = 500
    hint: Any = ""

    TYPES: ClassVar[tuple[str, ...]] = (
        "text",
        "integer",
        "boolean",
        "department",
        "departments",
        "number",
    )

    def __post_init__(self) -> None:
        assert self.type in self.TYPES, f"{self.name}: unknown input type {self.type}"


@dataclass(frozen=True)
class ActionSpec:
    """One action a task can take: the one row every reader of the action uses.

    ``stages``: the stage kinds whose tasks offer it; ``roles``: the task roles that may take it
    (by default those of its stages); ``requires``: of ``REQUIREMENTS``; ``statuses``: the case
    statuses it acts in (a paused case waits); ``leads_to``: the status it leads to (for reading;
    the case kind's life cycle decides); ``notice``: the title of what the applicant is told (empty:
    nothing); ``templates``: ready comments the form offers; ``missing``: a requirement's own
    message where the generic one would say too little; ``final``: the action decides the case in a
    way that cannot be taken back (accepting, refusing, deciding), so a page asks the person taking
    it to confirm first; ``confirm``: what that question says (``%(number)s`` is the case's
    number); ``inputs``: the action's own inputs (``Input``); ``at``: the stage keys whose tasks
    offer it, where stage kinds alone would say too little (empty: every stage of its kinds)."""

    name: str
    label: Any
    stages: frozenset[str]
    statuses: frozenset[str]
    leads_to: str = ""
    requires: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()
    notice: Any = ""
    templates: tuple[Any, ...] = ()
    missing: Mapping[str, Any] = field(default_factory=dict)
    final: bool = False
    confirm: Any = ""
    inputs: tuple[Input, ...] = ()
    at: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        unknown = set(self.requires) - set(REQUIREMENTS)
        assert not unknown, f"{self.name}: unknown requirement {unknown}"
        assert set(self.stages) <= set(StageKind.values), f"{self.name}: unknown stage kind"
        if not self.roles:
            object.__setattr__(
                self, "roles", frozenset(ROLE_FOR_STAGE[kind] for kind in self.stages)
            )

    def missing_fields(self, given: Mapping[str, Any]) -> dict[str, list[str]]:
        """What the action requires and ``given`` (keyed by requirement) leaves out, by field."""
        errors: dict[str, list[str]] = {}
        for requirement in sorted(self.requires):
            value = given.get(requirement)
            if not value or (isinstance(value, str) and not value.strip()):
                message = self.missing.get(requirement) or MISSING[requirement]
                errors[REQUIREMENT_FIELDS[requirement]] = [str(message)]
        return errors


def offers(spec: ActionSpec, stage_kind: str, stage: str = "") -> bool:
    """Whether a task of ``stage_kind`` at stage ``stage`` offers the action."""
    return stage_kind in spec.stages and (not spec.at or not stage or stage in spec.at)


def action(
    name: str,
    label: Any,
    stages: Iterable[str],
    statuses: Iterable[str],
    leads_to: str = "",
    *,
    requires: Iterable[str] = (),
    roles: Iterable[str] = (),
    notice: Any = "",
    templates: Iterable[Any] = (),
    missing: Mapping[str, Any] | None = None,
    final: bool = False,
    confirm: Any = "",
    inputs: Iterable[Input] = (),
    at: Iterable[str] = (),
) -> ActionSpec:
    """An ``ActionSpec`` from plain iterables, so a table reads as one call per row."""
    return ActionSpec(
        name,
        label,
        frozenset(stages),
        frozenset(statuses),
        leads_to,
        frozenset(requires),
        frozenset(roles),
        notice,
        tuple(templates),
        dict(missing or {}),
        final,
        confirm,
        tuple(inputs),
        frozenset(at),
    )


@dataclass(frozen=True)
class Branch:
    """One department's share of a stage: ``department`` is a department's slug (None: the case's
    handling department) and ``days`` the working days it has."""

    department: str | None
    days: int


@dataclass(frozen=True)
class Stage:
    """``role``: the role whose inbox the stage's tasks go to, where it is not the one its kind
    implies (``ROLE_FOR_STAGE``): a ticket's handling is a review done by a department's clerks.
    ``announce``: whether each holder of the seat gets a message for each new task (a 12345
    intake is not announced: operators work from the dispatch list, and a message per call to
    every operator would bury the rest)."""

    key: str
    name: str
    kind: str  # a StageKind
    branches: tuple[Branch, ...]
    role: str = ""
    announce: bool = True

    @property
    def task_role(self) -> str:
        return self.role or ROLE_FOR_STAGE[self.kind]


@dataclass
class ActionContext:
    """What the person taking an action gave, masked and checked against the action's row."""

    user: User
    public_comment: str = ""
    internal_comment: str = ""
    faults: list[dict[str, str]] = field(default_factory=list)
    department: str = ""
    legal_basis: str = ""
    request: HttpRequest | None = None
    inputs: dict[str, Any] = field(default_factory=dict)


class CaseKind:
    """The base of every case kind. Subclasses set the class attributes and implement the
    methods that raise ``NotImplementedError``; each action of ``actions`` is a method of the
    same name ``(task, case, ctx) -> None`` that changes the locked case (and finishes the task
    through ``workflow.engine``)."""

    case_type: ClassVar[str]
    label: ClassVar[Any]  # what a case of this kind is called (办件)
    actions: ClassVar[tuple[ActionSpec, ...]] = ()

    # -- the case ---------------------------------------------------------------------------------
    def load(self, case_id: int, *, lock: bool = False) -> Any:
        """The case (locked for update with ``lock``); raises when it does not exist."""
        raise NotImplementedError

    def stages(self, case: Any) -> list[Stage]:
        """The process the case follows."""
        raise NotImplementedError

    def department_id(self, case: Any) -> int:
        """The department handling the case (a stage without one goes there)."""
        raise NotImplementedError

    def status(self, case: Any) -> str:
        raise NotImplementedError

    def number(self, case: Any) -> str:
        raise NotImplementedError

    def title(self, case: Any) -> str:
        raise NotImplementedError

    def topic(self, case: Any) -> str:
        """What the inbox's topic filter matches (an application's item id); empty: none."""
        return ""

    def topic_choices(self, topics: Any, departments: list[int]) -> list[tuple[str, str]]:
        """The inbox's topic filter choices: labels for ``topics`` (a query of the ``topic`` of the
        user's active tasks of this kind) and for the user's ``departments``."""
        return []

    def not_allowed(self, case: Any, spec: ActionSpec) -> DomainError:
        """The refusal when the case's status does not allow the action."""
        message = _("当前状态不能执行“%(action)s”。") % {"action": spec.label}
        return DomainError("invalid_transition", message, status=409)

    # -- hooks --------------------------------------------------------------------------------------
    def panel(self, task: Task, user: Any, request: HttpRequest | None = None) -> dict[str, Any]:
        """What the workbench's task page shows of the case above the action panel: ``template``
        (a template name) and the context it reads; empty: the task's number and title only."""
        return {}

    def on_escalated(self, task: Task) -> None:
        """An overdue task of this kind was escalated (the deciders are told by the engine)."""

    def sweep(self, now: datetime) -> int:
        """The kind's own deadline checks, run by the engine's sweep; returns how many it warned."""
        return 0

    # -- the action table -----------------------------------------------------------------------
    def action(self, name: str) -> ActionSpec | None:
        return next((spec for spec in self.actions if spec.name == name), None)

    def actions_for(self, stage_kind: str, stage: str = "") -> list[ActionSpec]:
        """The actions a task of ``stage_kind`` (and of the stage ``stage``) offers, in the
        table's order."""
        return [spec for spec in self.actions if offers(spec, stage_kind, stage)]

    def handler(self, spec: ActionSpec) -> Callable[..., None]:
        handle: Callable[..., None] = getattr(self, spec.name)
        return handle


_KINDS: dict[str, CaseKind] = {}


def register_case_kind(kind: CaseKind) -> CaseKind:
    """Make ``kind`` known to the engine (from its app's ``ready``). Registering the same type
    again replaces it (tests register toy kinds)."""
    for spec in kind.actions:
        assert callable(getattr(kind, spec.name, None)), f"{kind.case_type}: no {spec.name}()"
    _KINDS[kind.case_type] = kind
    return kind


def unregister_case_kind(case_type: str) -> None:
    _KINDS.pop(case_type, None)


def kind_of(case_type: str) -> CaseKind:
    try:
        return _KINDS[case_type]
    except KeyError:
        raise DomainError("not_found", str(_("未知的案件类型。")), status=404) from None


def case_kinds() -> list[CaseKind]:
    return list(_KINDS.values())


def kind_choices() -> list[tuple[str, str]]:
    """(type, label) of every registered kind, for the inbox's kind filter."""
    return [(kind.case_type, str(kind.label)) for kind in _KINDS.values()]
