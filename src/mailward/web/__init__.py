"""The web UI and REST API for the security team (``mailward serve``).

``app.create_app`` builds the FastAPI application: ``api`` is the REST API under
/api/v1, ``pages`` the server-rendered pages, ``auth`` tokens, users, roles and
sessions, ``preview`` the sanitised message preview, ``charts`` inline SVG.
"""
