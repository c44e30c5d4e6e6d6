"""Regenerate the Python stubs of proto/ into client/src (paths mirror the proto package).

usage: python scripts/gen_proto.py [--check]

--check regenerates into a temporary folder and fails when the committed stubs differ.
"""

from __future__ import annotations

import filecmp
import sys
import tempfile
from pathlib import Path

from google.type import date_pb2
from grpc_tools import protoc

ROOT = Path(__file__).resolve().parents[1]
PROTO_DIR = ROOT / "proto"
OUT_DIR = ROOT / "client" / "src"
GENERATED = "newsevents/v1"


def generate(out: Path) -> None:
    googleapis = Path(date_pb2.__file__).parents[2]
    protos = sorted(str(p.relative_to(PROTO_DIR)) for p in PROTO_DIR.rglob("*.proto"))
    include = Path(protoc.__file__).parent / "_proto"
    bindir = Path(sys.executable).parent
    args = [
        "protoc",
        f"-I{PROTO_DIR}",
        f"-I{googleapis}",
        f"-I{include}",
        f"--python_out={out}",
        f"--grpc_python_out={out}",
        f"--plugin=protoc-gen-mypy={bindir / 'protoc-gen-mypy'}",
        f"--plugin=protoc-gen-mypy_grpc={bindir / 'protoc-gen-mypy_grpc'}",
        f"--mypy_out={out}",
        f"--mypy_grpc_out={out}",
        *protos,
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")


def main(argv: list[str]) -> int:
    if "--check" not in argv:
        generate(OUT_DIR)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp))
        cmp = filecmp.dircmp(Path(tmp) / GENERATED, OUT_DIR / GENERATED, ignore=["__pycache__", "__init__.py"])
        stale = cmp.diff_files + cmp.left_only + cmp.right_only
        if stale:
            print(f"generated stubs out of date: {stale}; run python scripts/gen_proto.py")
            return 1
    print("generated stubs up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
