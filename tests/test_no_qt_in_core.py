"""The core (rules, store, use cases, command line, forms, the sync client and the
centre) runs without Qt: importing all of it with PyQt6 unimportable must work."""

from tests.import_probe import probe

QT = {"PyQt6", "PyQt5", "PySide6", "sip"}


def test_core_imports_without_qt():
    out = probe(QT, ["workstation.domain", "workstation.shared", "workstation.store!migrations",
                     "workstation.services", "workstation.config", "sync!migrations",
                     "workstation.cli!__main__", "forms", "printing.layout", "printing.items",
                     "printing.xlsx", "printing.codes"],
                then="from workstation.cli import build_parser\n"
                     "result['help'] = build_parser().format_help()")
    assert out["loaded"] == []
    imported = set(out["imported"])
    for name in ("workstation.domain.identity", "workstation.domain.workdays",
                 "workstation.domain.intake", "workstation.store.db", "workstation.store.models",
                 "workstation.services.acceptance", "workstation.services.demo",
                 "workstation.services.cases", "workstation.services.calendar",
                 "workstation.cli.acceptance", "forms.stamp", "workstation.services.sync.outbox",
                 "sync.central.app"):
        assert name in imported
    assert "受理" in out["result"]["help"] or "accept" in out["result"]["help"]
