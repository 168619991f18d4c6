"""Every step on an application's timeline reads in words: no applicant sees a raw action name such
as ``licence_pending``. The code is read for every action it writes to the timeline; the suite's
root conftest also checks every timeline row any test writes (``_timeline_actions_are_labelled``)."""

from __future__ import annotations

import ast
from pathlib import Path

from django.utils import translation

from onewindow.applications.lifecycle import ACTION_LABELS, TABLE
from onewindow.applications.presenters import _actor

SRC = Path(__file__).resolve().parents[2]
# Calls that write a timeline row, and the position of their action among the arguments.
WRITERS = {"transition": 1, "note": 2, "_review": 0}


def _actions_in_call(node: ast.Call) -> list[str]:
    """The literal actions one call writes: ``TimelineEntry...(action="...")`` or a writer's argument."""
    callee = ast.unparse(node.func)
    found = []
    if "TimelineEntry" in callee:
        found += [
            str(k.value.value)
            for k in node.keywords
            if k.arg == "action" and isinstance(k.value, ast.Constant)
        ]
    position = WRITERS.get(callee.rsplit(".", 1)[-1])
    if position is not None and len(node.args) > position:
        argument = node.args[position]
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            found.append(argument.value)
    return found


def _written_actions() -> dict[str, str]:
    """{action: where} for every string the code writes to the timeline as an action."""
    found: dict[str, str] = {}
    for path in SRC.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        source = path.read_text(encoding="utf-8")
        if not any(word in source for word in ("TimelineEntry", "transition(", "note(")):
            continue
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call):
                for action in _actions_in_call(node):
                    found[action] = f"{path.relative_to(SRC)}:{node.lineno}"
    return found


def test_the_code_writes_the_actions_we_know_of() -> None:
    written = _written_actions()
    assert {"licence_pending", "escalate", "create", "submit", "review_approve"} <= set(written)


def test_every_action_written_to_the_timeline_has_a_label() -> None:
    written = _written_actions()
    missing = {action: where for action, where in written.items() if action not in ACTION_LABELS}
    assert not missing, f"timeline actions without a label: {missing}"
    assert not set(TABLE) - set(ACTION_LABELS), "every life-cycle action is labelled"


def test_every_label_reads_in_chinese_and_in_english() -> None:
    for action, label in ACTION_LABELS.items():
        with translation.override("zh-hans"):
            chinese = str(label)
        with translation.override("en"):
            english = str(label)
        assert chinese != action and english != action
        assert english != chinese, f"{action}: no English for {chinese}"


def test_who_acted_is_said_in_the_readers_language() -> None:
    """ "系统" and "工作人员" are stored in the language of the moment; read in the reader's."""
    with translation.override("en"):
        assert [_actor(w) for w in ("系统", "工作人员", "Staff", "张晓明")] == [
            "System",
            "Staff",
            "Staff",
            "张晓明",
        ]
    with translation.override("zh-hans"):
        assert [_actor(w) for w in ("System", "Staff", "张晓明")] == ["系统", "工作人员", "张晓明"]
