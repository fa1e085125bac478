"""Schemathesis fuzzes every /api/v1 operation from the OpenAPI document: no 5xx, responses match the schema."""
from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.accounts.services import issue_api_token
from app.extensions import db

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]
EXAMPLES = 12


def test_every_api_operation_survives_generated_input(app, factory):
    """One test walks all operations (a second app just to list them would rebind the shared Socket.IO server)."""
    token, _ = issue_api_token(factory.user("Khách thử API"), days=1)
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: dict[str, str] = {}
    labels = []
    for result in schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                  database=None)
        def exercise(case):
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS, headers=headers)

        try:
            exercise()
        except Exception as exc:  # every failing operation is reported, not just the first
            failures[operation.label] = f"{type(exc).__name__}: {str(exc)[:600]}"
        db.session.rollback()
    assert len(labels) >= 15, labels
    assert failures == {}, "\n\n".join(f"{k}\n{v}" for k, v in failures.items())
