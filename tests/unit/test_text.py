"""Text from the outside world: control characters are refused, other spaces and format characters kept."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from chengxin.text import CleanText


class Form(BaseModel):
    name: CleanText


SPACED = ["江苏　通润机械有限公司", "A\u00a0B", "通润\u200b机械", "a\tb", "（玄武分公司）", ""]


@pytest.mark.parametrize("value", SPACED)
def test_spaces_and_format_characters_are_text(value: str) -> None:
    assert Form(name=value).name == value


@pytest.mark.parametrize("value", ["a\x00b", "a\x1fb", "a\nb", "a\x7fb", "a\ud800b"])
def test_control_characters_are_refused(value: str) -> None:
    with pytest.raises(ValidationError, match="control characters"):
        Form(name=value)
