"""Option types the engine's plugins share in their ``Config`` schemas."""

from __future__ import annotations

from pathlib import Path

from mkdocs.config import config_options as c
from mkdocs.config.base import ValidationError


class Size(c.BaseConfigOption[int]):
    """A size in bytes, written ``"4G"``, ``"512M"``, ``"2.5g"`` or as a number of bytes."""

    def __init__(self, default: str) -> None:
        super().__init__()
        self.default = default

    def run_validation(self, value: object) -> int:
        from execblog.execution.pool import parse_size

        try:
            return parse_size(str(value))
        except ValueError:
            raise ValidationError(f"expected a size more than zero such as '4M' or '8G', "
                                  f"got {value!r}") from None


class Count(c.Type):
    """A whole number at least ``least``."""

    def __init__(self, least: int, default: int) -> None:
        super().__init__(int, default=default)
        self.least = least

    def run_validation(self, value: object) -> int:
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)  # from !ENV, which reads text
        if isinstance(value, bool) or not isinstance(value, int) or value < self.least:
            raise ValidationError(f"expected a whole number of at least {self.least}, "
                                  f"got {value!r}")
        return value


class Seconds(c.BaseConfigOption[float]):
    """A positive number of seconds."""

    def __init__(self, default: float) -> None:
        super().__init__()
        self.default = default

    def run_validation(self, value: object) -> float:
        try:
            seconds = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            seconds = -1.0
        if isinstance(value, bool) or not seconds > 0:
            raise ValidationError(f"expected a number of seconds more than zero, got {value!r}")
        return seconds


def project_path(config, value: str) -> Path:
    """``value`` relative to the folder of mkdocs.yml (absolute paths are kept)."""
    return (Path(config.config_file_path).resolve().parent / value).resolve()
