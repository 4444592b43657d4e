"""mailward: find, defuse and share reconnaissance beacons and impersonation in email."""

__version__ = "0.1.0"
