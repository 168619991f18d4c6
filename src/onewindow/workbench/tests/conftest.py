"""The applications' test world (three departments, a parallel-review item, staff in each) serves
the workbench pages too."""

from onewindow.applications.tests.conftest import World, api, world

__all__ = ["World", "api", "world"]
