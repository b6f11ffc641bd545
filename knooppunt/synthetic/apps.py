from django.apps import AppConfig


class SyntheticConfig(AppConfig):
    """Demo and synthetic data; an app only for its commands (`demo`, `generate`)."""

    name = "knooppunt.synthetic"
    label = "synthetic"
