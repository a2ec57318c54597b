#!/usr/bin/env bash
# Real-time capacity of the live service on this machine: `earshot serve` (embedded MQTT endpoint) with N simulated
# 16 kHz sensors from `earshot simulate` on the same machine, each streaming demo/demo.wav in real time (100 ms
# frames, QoS 1, starts spread at random over one recording length), for each N given (default: 200 400 600 800
# 1000). Per N it reports what the simulator saw (frames acknowledged, latency from the end of each known event's
# audio to its alert and to its final record, on MQTT) and what the service counted (frames dropped by its overload
# policy, gaps). A run "sustains" N when no frame was dropped and the alert p99 is under 1.5 s.
#   SERVE_OPTS  JVM options of the service (default -Xmx1g)        LOOPS  plays per sensor (default 2)
#   SPEED       playback speed (default 1; >1 is an overload run: latency figures then mean nothing)
#   AUDIO, TRUTH, AUDIO_SECONDS  another recording, its known events (CSV) and how much of it to play (default: the
#               demo); e.g. the 0 dB validation stream of bench/detect-speed.sh, whose events include short impacts
#   STAGGER     spread of sensor starts in seconds (default: the length played, AUDIO_SECONDS or the demo's 23 s,
#               as in every result in bench/results; required with AUDIO alone; overload runs use 1). Passed to
#               simulate explicitly: its own default is one frame period.
#   FRAME_MS    audio per frame (default 100; overload runs use 1000 so that the simulator can keep up)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(200 400 600 800 1000)
max=0
for n in "${counts[@]}"; do [ "$n" -gt "$max" ] && max=$n; done
loops="${LOOPS:-2}"
stagger="${STAGGER:-${AUDIO_SECONDS:-}}"
if [ -z "$stagger" ]; then
  [ -z "${AUDIO:-}" ] || { echo "with AUDIO, set STAGGER (or AUDIO_SECONDS): the spread of sensor starts" >&2; exit 2; }
  stagger=23   # demo/demo.wav's length
fi
speed="${SPEED:-1}"
work="$(mktemp -d "${TMPDIR:-/tmp}/earshot-bench.XXXXXX")"
serve_pid=""
cleanup() {
  [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
  [ -n "${KEEP:-}" ] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT
./earshot --version >/dev/null   # builds the jar outside the measured runs
./earshot sensors add --file "$work/sensors.json" --prefix sim- --count "$max" \
  --credentials-out "$work/credentials.csv" 2>/dev/null
# --report subscribes to detections as a reader (sensors' tokens read only their own errors topic).
EARSHOT_READER_KEY=$(./earshot api-keys add --file "$work/api-keys.json" --name bench --role operator 2>/dev/null)
export EARSHOT_READER_KEY
mqtt=${BENCH_MQTT_PORT:-18830}; ws=${BENCH_WS_PORT:-18081}; http=${BENCH_HTTP_PORT:-18080}
cat > "$work/config.json" <<JSON
{"data_dir": "$work", "sensors_file": "$work/sensors.json",
 "mqtt": {"host": "127.0.0.1", "port": $mqtt}, "websocket": {"host": "127.0.0.1", "port": $ws},
 "http": {"host": "127.0.0.1", "port": $http}, "outputs": {"publish_levels": false}}
JSON
EARSHOT_JAVA_OPTS="${SERVE_OPTS:--Xmx1g} -Xlog:gc:file=$work/gc.log" ./earshot serve --config "$work/config.json" 2>"$work/serve.log" &
serve_pid=$!
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$http/health" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -sf "http://127.0.0.1:$http/health" >/dev/null || { echo "service did not start:"; tail -20 "$work/serve.log"; exit 1; }
metric_sum() { curl -s "http://127.0.0.1:$http/metrics" | awk -v m="$1" '$1 ~ "^"m"[{ ]" || $1 == m {s += $2} END {printf "%.0f", s}'; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%F); service ${SERVE_OPTS:--Xmx1g}, $loops loop(s) of ${AUDIO:-demo/demo.wav}${AUDIO_SECONDS:+ (first $AUDIO_SECONDS s)} per sensor, speed $speed, ${FRAME_MS:-100} ms frames, starts spread over $stagger s"
for n in "${counts[@]}"; do
  dropped0=$(metric_sum earshot_dropped_frames_total); gaps0=$(metric_sum earshot_gaps_total)
  cpu0=$(awk '{print $14 + $15}' "/proc/$serve_pid/stat" 2>/dev/null || echo 0)
  start=$(date +%s.%N)
  audio_args=()
  [ -n "${AUDIO:-}" ] && audio_args+=(--audio "$AUDIO" --truth "$TRUTH")
  [ -n "${AUDIO_SECONDS:-}" ] && audio_args+=(--audio-seconds "$AUDIO_SECONDS")
  result=$(EARSHOT_JAVA_OPTS="-Xmx1g" ./earshot simulate "${audio_args[@]}" --credentials "$work/credentials.csv" --sensors "$n" \
    --port "$mqtt" --loops "$loops" --speed "$speed" --frame-ms "${FRAME_MS:-100}" --stagger-seconds "$stagger" --report --reader bench --max-in-flight 100 2>"$work/simulate-$n.log" || true)
  end=$(date +%s.%N)
  serve_java=$(pgrep -f "earshot-run.jar serve --config $work" | head -1)
  cpu1=$(awk '{print $14 + $15}' "/proc/$serve_java/stat" 2>/dev/null || echo 0)
  dropped=$(( $(metric_sum earshot_dropped_frames_total) - dropped0 )); gaps=$(( $(metric_sum earshot_gaps_total) - gaps0 ))
  rss=$(awk '/VmHWM/ {printf "%.0f MiB", $2 / 1024}' "/proc/$serve_java/status" 2>/dev/null || echo "?")
  echo "N=$n service: dropped_frames=$dropped gaps=$gaps peak_rss=$rss cpu_s=$(echo "($cpu1 - $cpu0) / $(getconf CLK_TCK)" | bc -l | xargs printf '%.0f') wall_s=$(echo "$end - $start" | bc | xargs printf '%.0f')"
  echo "N=$n simulate: $result"
done
# Largest heap left after a collection, over the whole run: the live set the service needed.
echo "service: largest heap after GC $(grep -o -- '->[0-9]*M' "$work/gc.log" | tr -d '>M-' | sort -n | tail -1) MiB (GC log), $(grep -c 'Pause' "$work/gc.log") pauses; out of memory: $(grep -c OutOfMemoryError "$work/serve.log" || true)"
