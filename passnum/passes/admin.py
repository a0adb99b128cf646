from django.contrib import admin

from passnum.passes.models import Booklet, Pass, PassEvent


@admin.register(Booklet)
class BookletAdmin(admin.ModelAdmin):
    list_display = ["number", "order", "first_serial", "last_serial", "status"]
    list_filter = ["status"]
    search_fields = ["=number"]
    readonly_fields = ["order", "number", "first_serial", "last_serial", "status"]


@admin.register(Pass)
class PassAdmin(admin.ModelAdmin):
    list_display = ["serial", "order", "status"]
    list_filter = ["status"]
    search_fields = ["=serial", "=code"]
    readonly_fields = ["order", "booklet", "serial", "code", "status"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False


@admin.register(PassEvent)
class PassEventAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "to_status",
        "order",
        "serial_first",
        "serial_last",
        "pass_count",
        "actor",
    ]
    readonly_fields = [f.name for f in PassEvent._meta.fields]
