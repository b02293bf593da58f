from .screen import OutputScreen

__all__ = ["OutputScreen"]
