"""Reading and checking import files (SPEC §5). No database here: see ``services.imports``."""

from .readers import ImportFileError, read_table
from .schemas import KINDS, SCHEMAS, bind, parse

__all__ = ["KINDS", "SCHEMAS", "ImportFileError", "bind", "parse", "read_table"]
