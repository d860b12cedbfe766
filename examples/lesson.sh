#!/usr/bin/env bash
# The lesson in one command on a fresh Debian 12 (as root, or with sudo):
# installs what the examples need from Debian (only what is missing), builds
# an example with the `lesson` preset (clang++, the examples alone) and runs
# it against the offline model, with no server and no key.
#
#   bash examples/lesson.sh [--no-install] [--build-dir DIR] [EXAMPLE]
#
# EXAMPLE is temperature by default (seed, breaking_point, top_p_sweep,
# determinism, distribution, streaming, concurrent). With OPENAI_BASE_URL
# set, the example talks to that server instead (see README.md).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
install=yes
build="$root/build/lesson"
example=temperature
while (($#)); do
  case "$1" in
    --no-install) install=no ;;
    --build-dir) build="${2:?--build-dir needs a directory}"; shift ;;
    -h | --help) sed -n '2,11p' "$0"; exit 0 ;;
    -*) echo "lesson.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) example="$1" ;;
  esac
  shift
done

packages=(g++ clang cmake ninja-build libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
          libssl-dev)
if [[ $install == yes ]]; then
  missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    sudo=()
    if [[ $(id -u) != 0 ]]; then sudo=(sudo); fi
    echo "lesson.sh: installing ${missing[*]}" >&2
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
fi

cd "$root"
cmake --preset lesson -B "$build" >/dev/null
cmake --build "$build" --target "$example"
"$build/examples/$example"
