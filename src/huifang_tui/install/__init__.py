"""The shared install: the person's own first stage, elevation through sudo, and ``huifang init --shared``."""
