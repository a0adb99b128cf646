"""Settings for an experiment of redeem_http.py (`--server-settings settings_prepared`): passnum's
settings with psycopg's server-side binding, so that the queries a worker repeats are prepared
once by PostgreSQL (psycopg prepares a statement from its second execution on a connection) instead of parsed and
planned on every request. Not used by passnum itself."""

from passnum.config.settings import *  # noqa: F403
from passnum.config.settings import DATABASES

# Django passes prepare_threshold=None (never prepare) unless OPTIONS names one.
DATABASES["default"].setdefault("OPTIONS", {}).update(
    {"server_side_binding": True, "prepare_threshold": 2}
)
