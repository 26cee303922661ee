"""The foundations: standard library only, safe on the start path (errors, identity, config, text
and file safety, error wording, the shared install's configuration and locked flag, i18n)."""
