"""Marshmallow schemas shared by every part of the API."""
from __future__ import annotations

from marshmallow import Schema, fields


class ErrorSchema(Schema):
    code = fields.String(required=True, metadata={"description": "Stable machine-readable error code"})
    message = fields.String(required=True, metadata={"description": "Human message in the request's language"})
    errors = fields.Dict(metadata={"description": "Field errors, when the input did not validate"})
    details = fields.Dict()
