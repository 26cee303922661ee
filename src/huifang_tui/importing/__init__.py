"""Reading and checking import files (SPEC §5). No database and no ``services`` here:
errors are this package's own (``importing.errors``); see ``services.imports`` for writing."""

from .errors import FieldError, ImportFileError
from .readers import read_table
from .schemas import KINDS, SCHEMAS, Checker, bind, parse
from .table import open_table

__all__ = ["KINDS", "SCHEMAS", "Checker", "FieldError", "ImportFileError", "bind", "open_table", "parse",
           "read_table"]
