"""The web pages: server-rendered Jinja2 + htmx on the same FastAPI app and the same
services as the JSON API, in English and Norwegian bokmål.

Browser assets come from ``frontend/`` (npm, committed lockfile) and are bundled by
``npm run build`` into ``static/build/`` — built at install time, never committed.
"""
