"""Sa Đéc Desk: offline-first one-stop desk for Vietnamese commune offices."""

__version__ = "0.1.0"
