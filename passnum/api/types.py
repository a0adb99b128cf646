"""The one place where the API says which strings and integers it accepts.

Every schema field, path, query, header and form parameter of every router uses these types, so
no input reaches the database that it would refuse with an error (a NUL character, an integer past
64 bits), and the OpenAPI document states the bounds (`tests/api/test_hostile_input.py` checks that
every request string has a `maxLength` and a pattern, every integer a `minimum` and a `maximum`).

    label: Text = Field("", max_length=200)            # a single line, at most 200 characters
    reason: MultilineText = Field(..., min_length=3, max_length=500)
    order_id: PositiveInt64                              # a path parameter
    offset: NonNegativeInt64 = Query(0)

Give a string's length on the field (`Field`, `Query`, `Form`) or with
`Annotated[Text, Field(max_length=…)]`; never give `ge`/`le` again on an integer type (pydantic
would keep the type's bound in the OpenAPI document): use the integer type that fits, or a plain
`int` with both bounds.
"""

from typing import Annotated, Any

from pydantic import Field, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from passnum.core.text import MULTI_LINE_PATTERN, SINGLE_LINE_PATTERN, has_forbidden_characters

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

# The pydantic error type of a text with a control character; errors.py gives its message.
CONTROL_CHARACTERS = "control_characters"


class _NoControlCharacters:
    """Refuses control characters (NUL included) and lone surrogates; says so in the schema."""

    def __init__(self, *, multiline: bool) -> None:
        self.multiline = multiline

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["pattern"] = MULTI_LINE_PATTERN if self.multiline else SINGLE_LINE_PATTERN
        return json_schema

    def _check(self, value: str) -> str:
        if has_forbidden_characters(value, multiline=self.multiline):
            raise PydanticCustomError(CONTROL_CHARACTERS, "Text holds a control character")
        return value


# A single line of text: no control character but tab.
Text = Annotated[str, _NoControlCharacters(multiline=False)]
# Text that may hold line breaks (reasons, comments).
MultilineText = Annotated[str, _NoControlCharacters(multiline=True)]

# Integers as the database stores them (bigint): never past 64 bits.
Int64 = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX)]
NonNegativeInt64 = Annotated[int, Field(ge=0, le=INT64_MAX)]
PositiveInt64 = Annotated[int, Field(ge=1, le=INT64_MAX)]
