from django.contrib import admin

from passnum.catalogue.models import Competence, Service, ServiceFamily


@admin.register(Competence)
class CompetenceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "domain"]


@admin.register(ServiceFamily)
class ServiceFamilyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "standard_service"]
    list_filter = ["standard_service"]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "family", "is_active"]
    list_filter = ["level", "family", "is_active"]
    search_fields = ["code", "name", "description"]
    filter_horizontal = ["competences"]
