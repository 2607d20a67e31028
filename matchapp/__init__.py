"""matchapp: the teacher rotation two-way selection system (教师轮岗交流双向选择系统).

Importing this package stays light: the engine's command line (``matchapp solve``) must not pay
for Flask or SQLAlchemy, so the web application is built only when :func:`create_app` is called.
"""


def create_app(config=None):
    """Build the Flask application (see :mod:`matchapp.factory`)."""
    from .factory import create_app as _create_app

    return _create_app(config)
