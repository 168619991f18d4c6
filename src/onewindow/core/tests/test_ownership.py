"""No app writes another app's models: every row is created, changed and deleted by the services of
the app that owns its table, and other apps ask them (or react to their events). import-linter
guards the imports (``make lint``); this reads the code for the writes.

A module of app X offends when it creates, updates or deletes rows of a model class it imported
from app Y's ``models`` (``Y.objects.create/update/...``, ``Y.objects.filter(...).delete()``,
``instance.save()`` / ``.delete()`` on an instance it got from Y's class or was handed as one).
Tests, migrations, the demo loader and the test factories are composition roots and may write
anything. What the code does today and is being moved is listed in ``ALLOWED`` below: shrink it,
never grow it."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[2]
APPS_SKIPPED = {"demo", "testing", "locale"}
DIRS_SKIPPED = {"tests", "migrations"}
WRITES = {
    "create",
    "update",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
    "delete",
}
INSTANCE_WRITES = {"save", "delete"}
# What a queryset or manager call returns: a row of the same model.
ROW_GETTERS = {"get", "first", "last", "create", "get_or_create", "update_or_create", "earliest"}

# Today's writes across apps, each "<module>: <Model>.<write>", and why they remain. The case-engine
# work moves workflow's writes of applications onto a registered case kind (the engine owns tasks
# only); licence issuance becomes a subscriber to the decision event and records its step through
# applications' services.
ALLOWED: set[str] = set()


@dataclass(frozen=True)
class Write:
    module: str
    line: int
    model: str
    write: str

    @property
    def key(self) -> str:
        return f"{self.module}: {self.model}.{self.write}"


def _app_of(path: Path) -> str | None:
    parts = path.relative_to(SRC).parts
    if len(parts) < 2 or parts[0] in APPS_SKIPPED or DIRS_SKIPPED & set(parts):
        return None
    return parts[0]


class _Reader(ast.NodeVisitor):
    """The models of other apps a module knows by name, and the writes it makes to them."""

    def __init__(self, app: str, module: str) -> None:
        self.app, self.module = app, module
        self.models: dict[str, str] = {}  # local name -> model class of another app
        self.modules: set[str] = set()  # local names of another app's models module
        self.rows: dict[str, str] = {}  # local name -> model of the row it holds
        self.found: list[Write] = []

    # -- what names mean --------------------------------------------------------------------------
    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        parts = (node.module or "").split(".")
        if len(parts) == 3 and parts[0] == "onewindow" and parts[2] == "models":
            if parts[1] != self.app:
                for alias in node.names:
                    if alias.name[:1].isupper():
                        self.models[alias.asname or alias.name] = alias.name
        elif len(parts) == 2 and parts[0] == "onewindow" and parts[1] != self.app:
            self.modules.update(a.asname or a.name for a in node.names if a.name == "models")

    def _model(self, node: ast.expr) -> str | None:
        """The other app's model class ``node`` names, if it names one."""
        if isinstance(node, ast.Name):
            return self.models.get(node.id)
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in self.modules
            and node.attr[:1].isupper()
        ):
            return node.attr
        return None

    def _root(self, node: ast.expr) -> str | None:
        """The model at the root of ``Model.objects.filter(...)...`` or ``Model(...)``."""
        while True:
            if isinstance(node, ast.Call):
                if self._model(node.func):
                    return self._model(node.func)
                node = node.func
            elif isinstance(node, ast.Attribute):
                if node.attr == "objects":
                    return self._model(node.value)
                node = node.value
            else:
                return None

    def _row_of(self, value: ast.expr) -> str | None:
        if isinstance(value, ast.Call) and self._model(value.func):
            return self._model(value.func)
        if (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Attribute)
            and value.func.attr in ROW_GETTERS
        ):
            return self._root(value)
        return None

    # -- rows held in names -----------------------------------------------------------------------
    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        held = dict(self.rows)
        for arg in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]:
            annotation = arg.annotation
            if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
                annotation = ast.parse(annotation.value, mode="eval").body
            model = self._model(annotation) if annotation is not None else None
            if model:
                self.rows[arg.arg] = model
        self.generic_visit(node)
        self.rows = held

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Assign(self, node: ast.Assign) -> None:
        model = self._row_of(node.value)
        for target in node.targets:
            if isinstance(target, ast.Name):
                if model:
                    self.rows[target.id] = model
                else:
                    self.rows.pop(target.id, None)
        self.generic_visit(node)

    # -- writes -----------------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute):
            model = self._root(func.value) if func.attr in WRITES else None
            held = isinstance(func.value, ast.Name) and func.attr in INSTANCE_WRITES
            if model is None and held:
                model = self.rows.get(func.value.id)  # type: ignore[attr-defined]
            if model:
                self.found.append(Write(self.module, node.lineno, model, func.attr))
        self.generic_visit(node)


def cross_app_writes() -> Iterator[Write]:
    for path in sorted(SRC.rglob("*.py")):
        app = _app_of(path)
        if app is None:
            continue
        reader = _Reader(app, str(path.relative_to(SRC)))
        reader.visit(ast.parse(path.read_text(encoding="utf-8")))
        yield from reader.found


def test_the_reader_finds_a_write_to_another_apps_model(tmp_path: Path) -> None:
    """The check itself: each kind of write is seen, reads and the app's own writes are not."""
    source = """
from onewindow.applications.models import Application, TimelineEntry
from onewindow.workflow.models import Task
from onewindow.applications import models as apps

def act(application: Application, task: Task) -> None:
    TimelineEntry.objects.create(application=application, action="x")
    Application.objects.filter(pk=1).update(status="done")
    application.save()
    task.save()
    found = Application.objects.select_for_update().get(pk=1)
    found.delete()
    apps.CorrectionRequest.objects.bulk_create([])
    Application.objects.filter(pk=1).exists()
"""
    reader = _Reader("workflow", "workflow/example.py")
    reader.visit(ast.parse(source))
    assert [(w.model, w.write) for w in reader.found] == [
        ("TimelineEntry", "create"),
        ("Application", "update"),
        ("Application", "save"),
        ("Application", "delete"),
        ("CorrectionRequest", "bulk_create"),
    ]


def test_no_app_writes_another_apps_models() -> None:
    found = list(cross_app_writes())
    print("\nWrites to another app's models today:")
    for write in found:
        print(f"  {write.module}:{write.line}: {write.model}.{write.write}")
    offending = sorted({w.key for w in found} - ALLOWED)
    assert not offending, f"writes to another app's models: {offending}"


def test_the_allowlist_only_lists_writes_that_still_exist() -> None:
    """Once a write has moved to its owner, its entry goes: the list only shrinks."""
    gone = sorted(ALLOWED - {w.key for w in cross_app_writes()})
    assert not gone, f"no longer written, remove from ALLOWED: {gone}"
