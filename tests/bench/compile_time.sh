#!/usr/bin/env bash
# The compile-time benchmark (issue 15): CPU seconds and peak memory of one
# `g++ -c` of each translation unit below, header-only and compiled mode
# (KNOBS_SEPARATE_COMPILATION), against the yardstick: a minimal Beast HTTPS
# client (compile/beast_client.cpp). Run on purpose, never by ctest:
#
#   bash tests/bench/compile_time.sh [rounds]     (3 by default; needs `time`)
#
# The machine is shared and noisy, so every TU is compiled once per round, in
# the same order, and the table gives each one's median over the rounds and
# its ratio to the yardstick's median. Run it on an otherwise idle machine.
# (The compiled library's own two TUs are in ninja's log of any build:
# `awk '/knobs_compiled/' build/default/.ninja_log`.)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
rounds="${1:-3}"
cxx="${CXX:-g++}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

# name | source | flags
tus=(
  "beast minimal client, -O2|tests/bench/compile/beast_client.cpp|-std=c++20 -O2"
  "quickstart, -O2, header-only|examples/quickstart.cpp|-std=c++20 -O2"
  "quickstart, -O2, compiled|examples/quickstart.cpp|-std=c++20 -O2 -DKNOBS_SEPARATE_COMPILATION"
  "temperature, -O2, header-only|examples/temperature.cpp|-std=c++20 -O2"
  "temperature, -O2, compiled|examples/temperature.cpp|-std=c++20 -O2 -DKNOBS_SEPARATE_COMPILATION"
  "temperature, no -O, header-only|examples/temperature.cpp|-std=c++20"
  "temperature, no -O, compiled|examples/temperature.cpp|-std=c++20 -DKNOBS_SEPARATE_COMPILATION"
  "concurrent (C++20 coroutines), -O2, compiled|examples/concurrent.cpp|-std=c++20 -O2 -DKNOBS_SEPARATE_COMPILATION"
  "chat_request + to_json, -O2, header-only|tests/bench/compile/request_only.cpp|-std=c++20 -O2"
  "chat_request + to_json, -O2, compiled|tests/bench/compile/request_only.cpp|-std=c++20 -O2 -DKNOBS_SEPARATE_COMPILATION"
)

for ((r = 1; r <= rounds; ++r)); do
  for i in "${!tus[@]}"; do
    IFS='|' read -r name src flags <<< "${tus[$i]}"
    file="$root/$src"
    # shellcheck disable=SC2086
    /usr/bin/time -f '%U %S %M' -o "$out/t" "$cxx" $flags -I"$root/include" -c "$file" \
      -o "$out/o.o"
    read -r user sys kb < "$out/t"
    awk -v i="$i" -v u="$user" -v s="$sys" -v kb="$kb" 'BEGIN { print i, u + s, kb }' \
      >> "$out/samples"
  done
  echo "round $r of $rounds done" >&2
done

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
base_cpu="$(awk '$1 == 0 { print $2 }' "$out/samples" | median)"
printf '%s, %s, %d rounds, medians (CPU = user + system of one g++ -c)\n' \
  "$("$cxx" --version | head -1)" "$(date -u +%F)" "$rounds"
printf '%-48s %8s %8s %8s\n' "translation unit" "CPU s" "ratio" "peak MB"
for i in "${!tus[@]}"; do
  IFS='|' read -r name _ _ <<< "${tus[$i]}"
  cpu="$(awk -v i="$i" '$1 == i { print $2 }' "$out/samples" | median)"
  mb="$(awk -v i="$i" '$1 == i { print $3 / 1024 }' "$out/samples" | median)"
  printf '%-48s %8.1f %8.2f %8.0f\n' "$name" "$cpu" \
    "$(awk -v a="$cpu" -v b="$base_cpu" 'BEGIN { print a / b }')" "$mb"
done
