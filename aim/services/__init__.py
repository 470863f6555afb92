"""One module per use case. Signature: fn(session, validated_input, ...) -> view model.

Services are the only code that queries the database, and they return pydantic view models or
plain data, never ORM objects.
"""


class Refused(Exception):
    """A refused action of a service; `str()` says what to do about it, `fields` holds a message per
    wrong input (each service names its own kinds: figures, narratives, follow-ups)."""

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or {}
