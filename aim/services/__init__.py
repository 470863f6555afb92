"""One module per use case. Signature: fn(session, validated_input, ...) -> view model.

Services are the only code that queries the database, and they return pydantic view models or
plain data, never ORM objects.
"""
