"""Settings profiles: ``base`` (every environment, embedded default) and ``production``."""
