"""Packaging: everything is in pyproject.toml but one step.

The design keeps the templates at the top of the repository (``templates/``), outside the
``matchapp`` package; a wheel must still carry them, so the build copies them into
``matchapp/templates`` inside the wheel, where :func:`matchapp.factory.template_folder` looks first.
"""

import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))


class BuildWithTemplates(build_py):
    def run(self):
        super().run()
        source = os.path.join(HERE, "templates")
        if os.path.isdir(source) and not self.editable_mode:
            target = os.path.join(self.build_lib, "matchapp", "templates")
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildWithTemplates})
