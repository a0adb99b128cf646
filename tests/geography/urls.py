"""A test URLconf serving the geography router under /api/v1/ in an API configured like the
project's (token auth by default, one error shape), until passnum/api/main.py mounts it."""

from django.urls import path
from ninja import NinjaAPI

from passnum.api import geography
from passnum.api.auth import TokenAuth
from passnum.api.errors import install_error_handlers

api = NinjaAPI(auth=TokenAuth(), urls_namespace="geography-test", docs_url=None)
install_error_handlers(api)
api.add_router("", geography.router)

urlpatterns = [path("api/v1/", api.urls)]
