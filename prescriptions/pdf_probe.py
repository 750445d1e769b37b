"""Parse an uploaded PDF in a throw-away process with CPU and memory limits.

Run by ``uploads._check_pdf`` as ``python -I pdf_probe.py CPU_SECONDS MEMORY_BYTES
MAX_OBJECTS WALK_SECONDS`` with the file on stdin; prints one JSON line. It imports
nothing of ours and no Django: a crafted PDF can then at worst burn this process's
CPU budget or memory limit (the kernel stops it) and never holds a web or Celery worker.

Verdicts: ``{"pages": n}``, ``{"problem": [text, code]}`` (JavaScript, actions,
embedded files), ``{"error": "encrypted" | "too_complex" | "unreadable"}``.
"""

from __future__ import annotations

import io
import json
import resource
import sys
import time
import warnings

JS_NAMES = frozenset({"JS", "JavaScript"})
EMBED_NAMES = frozenset({"EmbeddedFiles", "EmbeddedFile", "FileAttachment", "RichMedia", "GoToE"})
ACTION_NAMES = frozenset({"AA", "Launch", "SubmitForm", "ImportData", "XFA", "GoToR", "Rendition", "Sound", "Movie"})


def pdf_problem(names: set[str]) -> tuple[str, str] | None:
    if names & JS_NAMES:
        return "contains JavaScript", "pdf_javascript"
    if names & EMBED_NAMES:
        return "contains embedded or attached files", "pdf_embedded_file"
    if names & ACTION_NAMES:
        return "contains actions that run when it is opened or used", "pdf_action"
    return None


class TooComplex(Exception):
    pass


class Unresolvable(Exception):
    """An object the file points to cannot be read: the file cannot be fully checked."""


def _ran_out(exc: BaseException) -> bool:
    """Stack or memory exhausted, perhaps wrapped by pypdf in one of its own errors."""
    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, (RecursionError, MemoryError)):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _resolve(ref):
    from pypdf.generic import NullObject

    try:
        obj = ref.get_object()
    except Exception as exc:
        if _ran_out(exc):
            raise TooComplex from None
        raise Unresolvable from exc
    if obj is None or isinstance(obj, NullObject):
        raise Unresolvable
    return obj


def walk_objects(roots, *, max_objects: int, max_seconds: float) -> tuple[str, str] | None:
    """Every key of every object, and the kind of every action, in the parsed PDF.
    An object that cannot be resolved raises ``Unresolvable``: what we cannot read we
    cannot vouch for, so the file is refused rather than half-checked."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    seen = 0
    stack = list(roots)
    deadline = time.monotonic() + max_seconds
    while stack:
        obj = stack.pop()
        seen += 1
        if seen > max_objects or time.monotonic() > deadline:
            raise TooComplex
        if isinstance(obj, IndirectObject):
            obj = _resolve(obj)
        if isinstance(obj, DictionaryObject):
            names = {str(key).lstrip("/") for key in obj.keys()}
            for key in ("/S", "/Type", "/Subtype"):
                value = obj.get(key)
                if isinstance(value, NameObject):
                    names.add(str(value).lstrip("/"))
            problem = pdf_problem(names)
            if problem:
                return problem
            open_action = obj.get("/OpenAction")
            if open_action is not None:
                if isinstance(open_action, IndirectObject):
                    open_action = _resolve(open_action)
                if isinstance(open_action, DictionaryObject):  # an action, not just a page to show
                    return "contains actions that run when it is opened or used", "pdf_action"
            children = list(obj.values())
        elif isinstance(obj, ArrayObject):
            children = list(obj)
        else:
            continue
        for child in children:
            if isinstance(child, (DictionaryObject, ArrayObject)):
                stack.append(child)
            elif isinstance(child, IndirectObject):
                # Visited from the cross-reference table; here we only make sure it exists.
                _resolve(child)
    return None


def check(data: bytes, *, max_objects: int, max_seconds: float) -> dict:
    from pypdf import PdfReader
    from pypdf.generic import IndirectObject

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                return {"error": "encrypted"}
            pages = len(reader.pages)
            objects = [reader.trailer]
            for generation, numbers in reader.xref.items():
                objects.extend(IndirectObject(number, generation, reader) for number in numbers)
            objects.extend(IndirectObject(number, 0, reader) for number in reader.xref_objStm)
            problem = walk_objects(objects, max_objects=max_objects, max_seconds=max_seconds)
        except (TooComplex, RecursionError, MemoryError):
            return {"error": "too_complex"}
        except Exception as exc:  # pypdf raises many kinds of errors on a broken file
            return {"error": "too_complex" if _ran_out(exc) else "unreadable"}
    if problem:
        return {"problem": list(problem)}
    return {"pages": pages}


def _limit(kind: int, soft: int, hard: int) -> None:
    _current_soft, current_hard = resource.getrlimit(kind)
    if current_hard != resource.RLIM_INFINITY:
        soft, hard = min(soft, current_hard), min(hard, current_hard)
    resource.setrlimit(kind, (soft, hard))


def main(argv: list[str]) -> int:
    cpu_seconds, memory_bytes, max_objects, walk_seconds = int(argv[0]), int(argv[1]), int(argv[2]), float(argv[3])
    import pypdf.filters  # noqa: F401  -- loaded before the limits: they are for the file, not our code
    import pypdf.generic  # noqa: F401

    # Past the soft CPU limit the kernel sends SIGXCPU (default: terminate); the
    # address-space limit turns a memory blow-up into a MemoryError or a crash.
    # SIGKILL follows at the hard limit, one second later, if SIGXCPU is ignored.
    _limit(resource.RLIMIT_CPU, cpu_seconds, cpu_seconds + 1)
    _limit(resource.RLIMIT_AS, memory_bytes, memory_bytes)
    data = sys.stdin.buffer.read()
    verdict = check(data, max_objects=max_objects, max_seconds=walk_seconds)
    sys.stdout.write(json.dumps(verdict))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
