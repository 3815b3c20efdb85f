"""The application object that `flask` and gunicorn load: `gunicorn wsgi:app`."""

from cop import create_app

app = create_app()
