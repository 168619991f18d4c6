"""The workflow tests use the same small city as the applications tests."""

from onewindow.applications.tests.conftest import World, api, world

__all__ = ["World", "api", "world"]
