"""The password hash's cost outside the tests (conftest makes scrypt cheap in-process)."""

import subprocess
import sys
from pathlib import Path

from workstation.services.auth import verify_password

ROOT = Path(__file__).resolve().parent.parent


def test_a_fresh_process_hashes_with_the_production_scrypt_parameters():
    code = "from workstation.services.auth import hash_password; print(hash_password('secret123'))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    stored = out.stdout.strip()
    assert stored.split("$")[:4] == ["scrypt", str(2**17), "8", "1"]          # N ≥ 2^17 (issue 16)
    # and a hash made with them still verifies in this process, whatever its setting
    assert verify_password("secret123", stored)
    assert not verify_password("secret124", stored)
