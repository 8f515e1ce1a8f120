"""What leaves the binder: reports, the paper binder, PDF signatures, the bundle."""
