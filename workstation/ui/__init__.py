"""The PyQt6 window. One package per screen: acceptance (受理), cases (案件)."""
