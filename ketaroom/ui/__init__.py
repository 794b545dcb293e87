"""The PySide6 clinician app: one module per window or panel."""
