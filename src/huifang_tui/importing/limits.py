"""Caps on what one import file may hold (SPEC §5, §6): a clear refusal instead of a machine
brought to its knees. The numbers are far above any real centre's monthly file."""

MAX_FILE_BYTES = 100 * 1024 * 1024  # the file on disk
MAX_ROWS = 200_000  # data rows (blank rows not counted)
MAX_COLUMNS = 100
MAX_CELL_CHARS = 10_000  # one cell, before any per-field limit
# .xlsx is a zip: refuse absurd declared sizes before anything is expanded (zip bombs).
MAX_XLSX_UNCOMPRESSED = 1024 * 1024 * 1024  # all entries together
MAX_XLSX_RATIO = 200  # uncompressed / compressed, for entries over 1 MiB
MAX_XLSX_ENTRIES = 10_000
SNIFF_BYTES = 64 * 1024  # how much of a text file the encoding check looks at
