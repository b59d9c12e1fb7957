#!/bin/sh
# `npm test` runs this first: the tests under test/moto/ run Pushline's AWS code over real HTTP
# against moto's server mode (an AWS emulator from PyPI, independent of our own reading of AWS's
# documentation). It lives in a virtual environment of the project's own, .moto/venv, installed
# from scripts/moto-requirements.txt when missing or when that file changed. With no Python 3
# (and no root to apt-get one), stop at once with one line that says how.
set -eu

cd "$(dirname "$0")/.."
venv=".moto/venv"
requirements="scripts/moto-requirements.txt"
stamp="$venv/.requirements"

if [ -x "$venv/bin/moto_server" ] && [ -f "$stamp" ] && cmp -s "$requirements" "$stamp"; then
  exit 0
fi

how="install Python 3 with venv and pip (sudo apt-get install -y python3 python3-venv), then run: sh scripts/ensure-moto.sh"
python="${PYTHON:-python3}"
if ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "npm test: installing Debian's python3-venv for the moto tests (apt-get)..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq -o DPkg::Lock::Timeout=300 &&
      apt-get install -y -qq -o DPkg::Lock::Timeout=300 python3 python3-venv python3-pip >/dev/null || {
      echo "npm test: apt-get could not install python3-venv (see above); $how" >&2
      exit 1
    }
    python=python3
  else
    echo "npm test: the moto tests need Python 3 with venv; $how" >&2
    exit 1
  fi
fi

echo "npm test: installing moto into $venv for the AWS emulator tests (pip, about a minute)..." >&2
rm -rf "$venv"
"$python" -m venv "$venv"
if ! "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"; then
  echo "npm test: pip could not install moto (see above); $how" >&2
  exit 1
fi
cp "$requirements" "$stamp"
echo "npm test: moto installed ($("$venv/bin/python" -c 'import moto; print("moto", moto.__version__)'))" >&2
