"""ketaroom: session room control for ketamine-therapy clinics."""

__version__ = "0.1.0"
