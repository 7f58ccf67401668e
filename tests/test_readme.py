"""The README is the whole story: every link resolves inside this repository, none leaves it."""

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

_INLINE = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_AUTOLINK = re.compile(r"<((?:https?|file|ftp)://[^>\s]+)>")
_REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+)", re.MULTILINE)
# Where the running app is reached (make run prints these), not a file.
_LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def _links(markdown: str) -> list[str]:
    code_free = re.sub(r"```.*?```", "", markdown, flags=re.DOTALL)
    return [
        *_INLINE.findall(code_free),
        *_AUTOLINK.findall(code_free),
        *_REFERENCE.findall(code_free),
    ]


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", markdown, flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def _problems(source: Path, root: Path = ROOT) -> list[str]:
    problems = []
    for link in _links(source.read_text()):
        url = urlsplit(link)
        if url.scheme or url.netloc:
            if url.scheme not in ("http", "https") or url.hostname not in _LOCAL_HOSTS:
                problems.append(f"{link}: points outside the repository")
            continue
        target = (source.parent / unquote(url.path)).resolve() if url.path else source
        if not target.is_relative_to(root):
            problems.append(f"{link}: points outside the repository")
        elif not target.exists():
            problems.append(f"{link}: no such file in the repository")
        elif url.fragment and target.is_file() and url.fragment not in _anchors(target.read_text()):
            problems.append(f"{link}: no heading '#{url.fragment}' in {target.name}")
    return problems


def test_readme_links_resolve_to_files_in_the_repository():
    assert _links(README.read_text()), "the README links to docs/"
    assert _problems(README) == []


def test_readme_names_no_path_outside_the_repository():
    text = README.read_text()
    assert "../" not in text
    assert "shared/" not in text and "SPEC.md" not in text


def test_readme_links_every_document_in_docs():
    linked = {
        (ROOT / urlsplit(link).path).resolve()
        for link in _links(README.read_text())
        if not urlsplit(link).scheme
    }
    assert set((ROOT / "docs").glob("*.md")) - linked == set()


def test_the_link_check_catches_what_it_should(tmp_path):
    docs = tmp_path / "repo" / "docs"
    docs.mkdir(parents=True)
    (docs / "conventions.md").write_text("# Conventions\n## Language\n")
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "SPEC.md").write_text("outside\n")
    probe = docs / "probe.md"
    probe.write_text(
        "[spec](../../shared/SPEC.md) [gone](missing.md) [site](https://example.com/x)\n"
        "[anchor](conventions.md#no-such-heading) [ok](conventions.md#language)\n"
        "[app](<http://127.0.0.1:8000/docs>) <http://localhost:8000/redoc>\n"
    )
    assert _problems(probe, root=tmp_path / "repo") == [
        "../../shared/SPEC.md: points outside the repository",
        "missing.md: no such file in the repository",
        "https://example.com/x: points outside the repository",
        "conventions.md#no-such-heading: no heading '#no-such-heading' in conventions.md",
    ]
