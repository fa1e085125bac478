"""Where a pack's files come from: a zip read in memory under limits (size, count, ratio, names), or a directory."""
from __future__ import annotations

import io
import re
import stat
import zipfile
from pathlib import Path, PurePosixPath

from flask_babel import lazy_gettext as _l

from .plan import Problem

MAX_FILES = 500
MAX_FILE_BYTES = 200 * 1024 * 1024  # the largest lesson video authoring accepts
MAX_TOTAL_BYTES = 400 * 1024 * 1024
MAX_RATIO = 100  # a file that unpacks to more than 100x its packed size is a zip bomb, not a course
RATIO_FLOOR = 1024 * 1024  # small files (Markdown, YAML) compress very well; the ratio is checked above 1 MB
DRIVE = re.compile(r"^[A-Za-z]:")


def unsafe_name(name: str) -> bool:
    """A name that could step out of the pack if it were ever unpacked: absolute, .., a drive, backslashes."""
    if not name or "\\" in name or "\x00" in name or name.startswith("/") or DRIVE.match(name):
        return True
    parts = PurePosixPath(name).parts
    return any(part in ("..", "") for part in parts)


class PackFiles:
    """The files of a pack by their name inside it ("course.yaml", "lessons/01.md", "media/ab12.webp")."""

    def __init__(self, contents: dict[str, bytes]):
        self.contents = contents

    def names(self) -> set[str]:
        return set(self.contents)

    def read(self, name: str) -> bytes | None:
        return self.contents.get(name)


class ZipFiles(PackFiles):
    """A zip read entry by entry into memory; any unsafe entry makes a problem and the pack is refused whole."""

    def __init__(self, data: bytes, *, max_bytes: int | None = None):
        self.problems: list[Problem] = []
        contents: dict[str, bytes] = {}
        if max_bytes is not None and len(data) > max_bytes:
            self.problems.append(Problem("too_large", _l("The pack is larger than %(mb)s MB.",
                                                         mb=max_bytes // (1024 * 1024))))
            super().__init__({})
            return
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                contents = self._read_all(zf)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError):
            self.problems.append(Problem("bad_zip", _l("This file is not a zip pack (or it is damaged).")))
            contents = {}
        super().__init__(self._strip_top_folder(contents))

    def _read_all(self, zf: zipfile.ZipFile) -> dict[str, bytes]:
        infos = [info for info in zf.infolist() if not info.is_dir()]
        if len(infos) > MAX_FILES:
            self.problems.append(Problem("too_many_files", _l("The pack holds more than %(n)s files.", n=MAX_FILES)))
            return {}
        contents: dict[str, bytes] = {}
        total = 0
        for info in infos:
            name = info.filename
            if unsafe_name(name):
                self.problems.append(Problem("unsafe_name", _l("A file name points outside the pack."), name))
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                self.problems.append(Problem("unsafe_name", _l("The pack holds a link, not a file."), name))
                continue
            if info.flag_bits & 0x1:
                self.problems.append(Problem("encrypted", _l("The file is password-protected."), name))
                continue
            if name in contents:
                self.problems.append(Problem("duplicate_file", _l("The same file name appears twice."), name))
                continue
            declared = info.file_size
            if declared > MAX_FILE_BYTES or total + declared > MAX_TOTAL_BYTES or self._bomb(declared,
                                                                                             info.compress_size):
                self.problems.append(Problem("zip_bomb", _l("The file unpacks to far more than it weighs."), name))
                return {}
            # Read at most one byte past the declared size: a header that lies about the size is caught here.
            with zf.open(info) as handle:
                body = handle.read(declared + 1)
            if len(body) != declared:
                self.problems.append(Problem("zip_bomb", _l("The file unpacks to far more than it weighs."), name))
                return {}
            total += len(body)
            contents[name] = body
        return contents

    @staticmethod
    def _bomb(size: int, packed: int) -> bool:
        return size > RATIO_FLOOR and size > MAX_RATIO * max(packed, 1)

    @staticmethod
    def _strip_top_folder(contents: dict[str, bytes]) -> dict[str, bytes]:
        """A zip made by compressing the course's folder holds "<folder>/course.yaml": read it from that folder."""
        if "course.yaml" in contents or not contents:
            return contents
        tops = {name.split("/", 1)[0] for name in contents}
        if len(tops) == 1 and all("/" in name for name in contents):
            prefix = tops.pop() + "/"
            return {name[len(prefix):]: body for name, body in contents.items()}
        return contents


class DirectoryFiles(PackFiles):
    """A pack unpacked in a folder (the demo courses in the repository)."""

    def __init__(self, root: Path):
        root = Path(root)
        super().__init__({path.relative_to(root).as_posix(): path.read_bytes()
                          for path in sorted(root.rglob("*")) if path.is_file()})
