"""No credentials in the repository: every tracked file is scanned for the
shapes AWS keys and private keys take."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

PATTERNS = {
    "AWS access key id": re.compile(rb"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "AWS secret access key": re.compile(
        rb"(?i)aws_secret_access_key\s*[=:]\s*['\"]?[A-Za-z0-9/+]{40}\b"
    ),
    "private key": re.compile(rb"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
}




def credentials_in(data: bytes) -> list[str]:
    """The kinds of credential in data; AWS's documented examples
    (AKIAIOSFODNN7EXAMPLE, ...) are placeholders, not credentials."""
    return [
        kind
        for kind, pattern in PATTERNS.items()
        if any(b"EXAMPLE" not in match.group() for match in pattern.finditer(data))
    ]


def tracked_files() -> list[Path]:
    listing = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout
    return [REPO / name.decode() for name in listing.split(b"\0") if name]


def test_no_tracked_file_holds_a_credential():
    files = tracked_files()
    assert len(files) > 50  # the listing worked
    found = [
        f"{path.relative_to(REPO)}: {kind}"
        for path in files
        if path.is_file()
        for kind in credentials_in(path.read_bytes())
    ]
    assert found == []


def test_the_patterns_catch_what_they_are_for():
    # Made-up values of the documented shapes, split so this file holds none.
    samples = {
        "AWS access key id": b"AKIA" + b"ABCDEFGHIJKLMNOP",
        "AWS secret access key": b"aws_secret_access_key = " + b"a" * 40,
        "private key": b"-----BEGIN RSA " + b"PRIVATE KEY-----",
    }
    for kind, sample in samples.items():
        assert credentials_in(sample) == [kind]
    assert credentials_in(b"AKIA" + b"IOSFODNN7EXAMPLE") == []
