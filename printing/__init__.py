"""Receipts, labels, barcodes and printer output (the output-window issue)."""
