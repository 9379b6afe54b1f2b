"""waitress's own refusals under /api/ in the API's form.

waitress refuses a body over ``max_request_body_size`` (``MAX_REQUEST_BYTES``, set by
``datahub serve``) itself, from its Content-Length and before the hub sees the request, with a
plain-text ``413``. Under /api/ it now answers as the API does: JSON with a ``detail`` in the
hub's language (an OperationOutcome at the FHIR endpoint). Every other refusal of waitress, and
every refusal outside /api/, stays waitress's own.
"""

from __future__ import annotations

from waitress.channel import HTTPChannel
from waitress.task import ErrorTask
from waitress.utilities import RequestEntityTooLarge

from datahub.api.errors import too_large_answer


class ApiAwareErrorTask(ErrorTask):
    def execute(self) -> None:
        path = self.request.path or ""
        error = self.request.error
        if not (isinstance(error, RequestEntityTooLarge) and path.startswith("/api/")):
            super().execute()
            return
        body, content_type = too_large_answer(path)
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", content_type))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


def install() -> None:
    """waitress makes every channel's refusals with the class its channels name."""
    HTTPChannel.error_task_class = ApiAwareErrorTask
