#!/usr/bin/env bash
# Fuzzes every parser with Jazzer, one target after another, each for SECONDS (default 600):
#
#   bench/fuzz.sh [SECONDS_PER_TARGET] [CLASS#METHOD ...]
#
# The targets are the *FuzzTest classes (frame codec, configuration, API parameters, JWT, journal line); a normal
# `mvn test` only replays their seeds (src/test/resources/.../<Class>Inputs/<method>/). Here each runs in fuzzing mode
# (JAZZER_FUZZ=1, JAZZER_MAX_DURATION) in a Maven run of its own, offline; the corpus it grows is kept in
# .cifuzz-corpus/ (git-ignored) and reused by the next run. A finding fails the target's test and Jazzer writes the
# input as src/test/resources/.../<Class>Inputs/<method>/crash-<sha1>, where the normal test run replays it from then
# on: fix the bug and keep that file as the regression test. The summary (runs, coverage, result, findings per target)
# goes to bench/results/fuzz-<UTC date>.txt, and each target's whole log to target/fuzz/<Class>.log.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds="${1:-600}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(org.earshot.audio.FrameCodecFuzzTest#decode org.earshot.config.ServeConfigFuzzTest#load
           org.earshot.api.QueryParametersFuzzTest#parameters org.earshot.api.JwtVerifierFuzzTest#verify
           org.earshot.journal.JournalLineFuzzTest#parse)
fi
mkdir -p target/fuzz bench/results
out="bench/results/fuzz-$(date -u +%F).txt"
if [ -s "$out" ]; then echo >> "$out"; fi
jazzer=$(grep -A1 '<artifactId>jazzer-junit</artifactId>' pom.xml | sed -n 's:.*<version>\(.*\)</version>.*:\1:p')
echo "# bench/fuzz.sh $seconds: jazzer-junit $jazzer, $(java -version 2>&1 | head -1), $(nproc) cores," \
     "started $(date -u +%FT%TZ), commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src \
     || echo ' plus uncommitted changes')" >> "$out"
for target in "${targets[@]}"; do
  class="${target%%#*}"
  simple="${class##*.}"
  log="target/fuzz/$simple.log"
  dir="src/test/resources/$(echo "${class%.*}" | tr . /)/${simple}Inputs"
  before=$(find "$dir" -name 'crash-*' 2>/dev/null | sort)
  start=$(date +%s)
  # -Dtest picks the one target (fuzzing mode runs one fuzz test per JVM); it runs in the main test JVM, alone.
  # _JAVA_OPTIONS comes after the command line's -Xmx6g (pom.xml), so the fuzzing JVM stays within 2 GiB.
  JAZZER_FUZZ=1 JAZZER_MAX_DURATION="${seconds}s" _JAVA_OPTIONS=-Xmx2g mvn -o -B test -Dtest="$simple#${target#*#}" \
      -Dsurefire.failIfNoSpecifiedTests=false > "$log" 2>&1
  status=$?
  took=$(( $(date +%s) - start ))
  after=$(find "$dir" -name 'crash-*' 2>/dev/null | sort)
  new=$(comm -13 <(echo "$before") <(echo "$after") | sed '/^$/d')
  {
    echo
    echo "## $target: maven exit $status after ${took}s"
    # -a: the logs hold the fuzzer's inputs, binary at times.
    grep -a -E '^Done [0-9]+ runs in' "$log" | tail -1
    grep -a -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE)' "$log" | tail -1
    grep -a -E 'Tests run: .*in org\.earshot' "$log" | tail -1
    slow=$(grep -a -o "slow-unit-[0-9a-f]*" "$log" | sort -u)
    if [ -n "$slow" ]; then
      echo "inputs slower than 10 s (libFuzzer's slow units, kept beside the seeds): $slow"
    fi
    if [ -n "$new" ]; then
      echo "finding(s), kept as regression inputs:"
      echo "$new" | sed 's/^/  /'
      grep -a -m1 -E 'FuzzTestFindingException: ' "$log" | cut -c1-400 | sed 's/^/  /'
    else
      echo "findings: none"
    fi
  } >> "$out"
done
echo "summary: $out" >&2
