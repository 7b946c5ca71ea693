"""SecureX: automatic number plate recognition for a gate PC."""

__version__ = "0.1.0"
