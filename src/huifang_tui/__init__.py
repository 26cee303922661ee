"""回访台 (huifang-tui): the terminal app for customer-callback agents. The map: docs/ARCHITECTURE.md."""
