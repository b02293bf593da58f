"""Which files a terminal may see (issue 16, finding 9).

A district terminal sees every file. A station's terminal sees the files its station
uploaded and the files of the documents of its own station's cases that someone
else made (the district's decision on a case the station accepted). Naming a file
in an event does not make it the station's: a station cannot put another station's
file hash in its own ``document.sign`` to gain access to it (``View.need_files``
refuses the batch, see scope.py). For a file a terminal may not see, HEAD, GET and
PUT answer exactly as for a file the centre does not have: no existence oracle.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from .bulk import one_of
from .models import DocumentRecord, StoredFile
from .terminals import Caller


def visible(session: Session, who: Caller, row: StoredFile | None) -> bool:
    """Whether ``who`` may know of this file (complete or not)."""
    if row is None:
        return False
    if who.district or row.station == who.station:
        return True
    return bool(visible_hashes(session, who, [row.sha256]))


def visible_hashes(session: Session, who: Caller, hashes: Iterable[str]) -> set[str]:
    """Those of ``hashes`` that ``who`` may see: uploaded by its station, or the file
    of a document of its station's cases that another terminal (the district's)
    recorded — never one only the caller's own events named."""
    hashes = sorted(set(hashes))
    if not hashes:
        return set()
    if who.district:
        return set(hashes)
    out = set(session.scalars(select(StoredFile.sha256).where(one_of(session, StoredFile.sha256, hashes),
                                                               StoredFile.station == who.station)))
    rest = [h for h in hashes if h not in out]
    if rest:
        # Documents of the station's cases whose file another station uploaded: the
        # district's decisions (a station's own naming never counts, see need_files).
        out |= set(session.scalars(
            select(DocumentRecord.sha256).join(StoredFile, StoredFile.sha256 == DocumentRecord.sha256)
            .where(one_of(session, DocumentRecord.sha256, rest), DocumentRecord.station == who.station,
                   StoredFile.station == "district")))
    return out
