from __future__ import annotations

from django.conf import settings


def task_status() -> dict:
    backend = settings.TASKS["default"]["BACKEND"]
    status: dict = {"backend": backend.rsplit(".", 1)[-1], "status": "ok"}
    if backend.startswith("django_tasks_db"):
        try:
            from django_tasks_db.models import DBTaskResult

            status["ready"] = DBTaskResult.objects.filter(status="READY").count()
            status["failed"] = DBTaskResult.objects.filter(status="FAILED").count()
        except Exception as exc:  # noqa: BLE001
            status.update(status="error", error=exc.__class__.__name__)
    return status
