#!/usr/bin/env bash
# buf STANDARD lint of proto/, offline: buf from the npm registry, google/type from
# googleapis-common-protos, the module compiled by grpc_tools into an image that buf reads.
set -euo pipefail
cd "$(dirname "$0")/.."
BUF_DIR=${BUF_DIR:-.cache/buf}
[ -x "$BUF_DIR/node_modules/.bin/buf" ] || npm install --silent --prefix "$BUF_DIR" @bufbuild/buf@1.75.0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
googleapis=$(.venv/bin/python -c "from pathlib import Path; from google.type import date_pb2; print(Path(date_pb2.__file__).parents[2])")
.venv/bin/python -m grpc_tools.protoc -Iproto -I"$googleapis" --include_imports --include_source_info \
    --descriptor_set_out="$work/image.binpb" $(cd proto && find . -name '*.proto' | sed 's|^\./|proto/|')
printf 'version: v2\nlint:\n  use:\n    - STANDARD\n' > "$work/buf.yaml"
paths=$(cd proto && find . -name '*.proto' | sed 's|^\./|--path |')
# shellcheck disable=SC2086
"$BUF_DIR/node_modules/.bin/buf" lint "$work/image.binpb" $paths --config "$work/buf.yaml"
echo "buf lint (STANDARD): clean"
