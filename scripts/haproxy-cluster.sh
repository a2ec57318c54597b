#!/usr/bin/env bash
# HAProxy 2.6 in front of the Earshot nodes of a cluster (docs/DEPLOYMENT.md, "Cluster mode"): sensors connect to the
# balancer's MQTT and WebSocket ports and are passed, as TCP streams, to the node with the fewest connections.
#
#   scripts/haproxy-cluster.sh config [--bind ADDR] [--resolver IP:PORT] MQTT_PORT WS_PORT API_PORT NODE...
#                                      print the configuration; ADDR defaults to 127.0.0.1; --resolver names a DNS
#                                      server that HAProxy asks again for the nodes' addresses (Docker: 127.0.0.11:53)
#   scripts/haproxy-cluster.sh start DIR MQTT_PORT WS_PORT API_PORT NODE...
#                                      write DIR/haproxy.cfg, check it (haproxy -c), start haproxy in the background
#                                      on 127.0.0.1 (pid in DIR/haproxy.pid, output in DIR/haproxy.log), wait until
#                                      it listens
#   scripts/haproxy-cluster.sh stop DIR
#                                      SIGTERM (SIGKILL after 10 s) the haproxy started in DIR
#
# Each NODE is name=host:mqttport:wsport:apiport, e.g. node-a=127.0.0.1:1883:8081:8080 (the node's mqtt.port,
# websocket.port and http.port). deploy/haproxy/haproxy.cfg, which docker-compose.yml's cluster profile mounts, is
# this script's output for the compose nodes (ComposeConsistencyTest checks that); the integration test
# HaproxyFailoverIT starts the balancer with `start`. The binary comes from the Debian package haproxy
# (scripts/ensure-services.sh haproxy installs it; nothing is installed here).
set -euo pipefail

readonly PROG="haproxy-cluster"
readonly LOOPBACK="127.0.0.1"
readonly START_SECONDS=10
readonly MAXCONN=10000

say() {
    printf '%s: %s\n' "$PROG" "$*" >&2
}

die() {
    say "ERROR: $*"
    exit 1
}

usage() {
    sed -n '5,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

port_ok() {
    [[ "$1" =~ ^[0-9]{1,5}$ ]] && ((10#$1 >= 1 && 10#$1 <= 65535))
}

check_port() {
    port_ok "$2" || die "bad $1 '$2': a port number 1-65535"
}

# Checks every NODE argument (name=host:mqtt:ws:api, names unique).
check_nodes() {
    local node name ports seen=" "
    [[ "$#" -ge 1 ]] || die "no NODE given: at least one name=host:mqttport:wsport:apiport"
    for node in "$@"; do
        [[ "$node" =~ ^([A-Za-z0-9][A-Za-z0-9_.-]*)=([A-Za-z0-9][A-Za-z0-9_.-]*):([0-9]+):([0-9]+):([0-9]+)$ ]] \
            || die "bad NODE '$node': expected name=host:mqttport:wsport:apiport (letters, digits, . _ -)"
        name="${BASH_REMATCH[1]}"
        ports=("${BASH_REMATCH[3]}" "${BASH_REMATCH[4]}" "${BASH_REMATCH[5]}")
        port_ok "${ports[0]}" && port_ok "${ports[1]}" && port_ok "${ports[2]}" \
            || die "bad NODE '$node': a port is not a number 1-65535"
        [[ "$seen" != *" $name "* ]] || die "NODE name '$name' given twice"
        seen+="$name "
    done
}

# One server line per node for the backend of the port at field $1 (3 mqtt, 4 ws, 5 api) of each NODE.
servers() {
    local field="$1" extra="$2" node
    shift 2
    for node in "$@"; do
        [[ "$node" =~ ^([^=]+)=([^:]+):([0-9]+):([0-9]+):([0-9]+)$ ]]
        printf '    server %s %s:%s check inter 1s fall 2 rise 2%s\n' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" \
            "${BASH_REMATCH[$field]}" "$extra"
    done
}

config() {
    local bind="$LOOPBACK" resolver="" resolve="" arguments="$*"
    while [[ "$#" -gt 0 && "$1" == --* ]]; do
        case "$1" in
            --bind) [[ "$#" -ge 2 ]] || usage; bind="$2"; shift 2 ;;
            --resolver) [[ "$#" -ge 2 ]] || usage; resolver="$2"; shift 2 ;;
            *) die "unknown option '$1'" ;;
        esac
    done
    [[ "$#" -ge 4 ]] || usage
    local mqtt="$1" ws="$2" api="$3"
    shift 3
    [[ "$bind" =~ ^[0-9.]+$|^\*$ ]] || die "bad --bind '$bind': an IPv4 address"
    check_port MQTT_PORT "$mqtt"
    check_port WS_PORT "$ws"
    check_port API_PORT "$api"
    [[ "$mqtt" != "$ws" && "$mqtt" != "$api" && "$ws" != "$api" ]] || die "MQTT_PORT, WS_PORT and API_PORT must differ"
    check_nodes "$@"
    if [[ -n "$resolver" ]]; then
        [[ "$resolver" =~ ^[0-9.]+:[0-9]+$ ]] || die "bad --resolver '$resolver': IP:PORT"
        resolve=" resolvers nodes init-addr libc,none"
    fi
    cat <<EOF
# HAProxy 2.6 in front of the Earshot nodes of a cluster (docs/DEPLOYMENT.md, "Cluster mode").
# Do not edit: change scripts/haproxy-cluster.sh or its arguments and write it again. Written by
#   scripts/haproxy-cluster.sh config $arguments

global
    # Log lines go to standard output: docker logs, or the log file scripts/haproxy-cluster.sh start writes.
    log stdout format raw local0 info
    # The most connections the balancer holds at once: each streaming sensor holds one for as long as it streams.
    # HAProxy needs two file descriptors per connection (scripts/haproxy-cluster.sh start lowers it, with -n, to what
    # the shell's hard limit of open files allows).
    maxconn $MAXCONN

defaults
    # Sensors' MQTT and WebSocket connections pass through as TCP streams; HAProxy does not look into them.
    mode tcp
    log global
    # A node that has not accepted a connection within 2 s is not going to: the connection is tried again.
    timeout connect 2s
    # Sensors stay connected through the balancer for days and may be quiet between MQTT keepalives: only an hour
    # without a byte in either direction ends a connection.
    timeout client 1h
    timeout server 1h
    # A health check that has not answered within 2 s failed.
    timeout check 2s
    # A connection to a node that fails is tried up to 3 more times...
    retries 3
    # ...each time on another node, so a node that died since its last health check does not keep a sensor out.
    option redispatch 1
EOF
    if [[ -n "$resolver" ]]; then
        cat <<EOF

resolvers nodes
    # The nodes' addresses are asked again of this DNS server (Docker's), so a node that comes back with another
    # address is found; a node that cannot be resolved at start waits, out of service, until it can.
    nameserver dns $resolver
    # An answer is used for 10 s before it is asked again.
    hold valid 10s
EOF
    fi
    cat <<EOF

frontend mqtt
    # Sensors' MQTT connections (the nodes' embedded MQTT endpoint, their mqtt.port).
    bind $bind:$mqtt
    # One log line per connection when it ends: sensor address, node chosen, duration, bytes.
    option tcplog
    default_backend earshot_mqtt

backend earshot_mqtt
    # A new connection goes to the node with the fewest open connections, so the sensors spread evenly.
    balance leastconn
    # Each node: a TCP connection to its port every second; 2 failures in a row take it out of service (a dead node
    # receives no new sensor within about 2 s), 2 successes bring it back. A node taken out has its connections
    # closed (on-marked-down shutdown-sessions): its sensors reconnect, through the balancer, to a live node.
$(servers 3 " on-marked-down shutdown-sessions$resolve" "$@")

frontend websocket
    # Sensors' WebSocket connections (the nodes' websocket.port); TLS, if any, ends on the nodes.
    bind $bind:$ws
    option tcplog
    default_backend earshot_websocket

backend earshot_websocket
    # As for MQTT: fewest connections first, a dead node out after 2 failed checks 1 s apart, its sensors moved.
    balance leastconn
$(servers 4 " on-marked-down shutdown-sessions$resolve" "$@")

frontend api
    # The nodes' HTTP port (/health, the query API /api/v1), as HTTP requests.
    mode http
    bind $bind:$api
    # One log line per request: client, node, status, timings.
    option httplog
    # A query or /health answers within seconds: 30 s of silence from the client ends its connection.
    timeout client 30s
    default_backend earshot_api

backend earshot_api
    mode http
    # Each request to the node with the fewest requests in progress.
    balance leastconn
    # A node that has not answered a request within 30 s is not going to.
    timeout server 30s
    # A node is up when its HTTP server answers GET /health: 200 (ok) or 503 (degraded, e.g. Kafka unreachable), so
    # that a degraded cluster shows its /health body through the balancer instead of a balancer error.
    option httpchk GET /health
    http-check expect rstatus ^(200|503)$
$(servers 5 "$resolve" "$@")
EOF
}

listening() {
    (exec 3<>"/dev/tcp/$LOOPBACK/$1") 2>/dev/null
}

pid_of() {
    local pidfile="$1/haproxy.pid"
    if [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
        cat "$pidfile"
        return 0
    fi
    return 1
}

find_haproxy() {
    local dir
    if command -v haproxy >/dev/null 2>&1; then
        command -v haproxy
        return 0
    fi
    for dir in /usr/sbin /usr/local/sbin /sbin; do
        if [[ -x "$dir/haproxy" ]]; then
            printf '%s\n' "$dir/haproxy"
            return 0
        fi
    done
    die "haproxy not found: install the Debian package 'haproxy' (scripts/ensure-services.sh haproxy)"
}

start() {
    [[ "$#" -ge 5 ]] || usage
    local dir="$1" mqtt="$2" ws="$3" api="$4" binary pid port files maxconn=()
    shift 4
    binary="$(find_haproxy)"
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    if pid="$(pid_of "$dir")"; then
        die "haproxy already runs from $dir (pid $pid): stop it first"
    fi
    config --bind "$LOOPBACK" "$mqtt" "$ws" "$api" "$@" >"$dir/haproxy.cfg"
    "$binary" -c -q -f "$dir/haproxy.cfg" || die "haproxy -c rejected $dir/haproxy.cfg"
    # Two file descriptors per connection, plus some of its own: fewer connections when the limit is lower.
    files="$(ulimit -Hn)"
    if [[ "$files" =~ ^[0-9]+$ ]] && (((files - 100) / 2 < MAXCONN)); then
        maxconn=(-n "$(((files - 100) / 2))")
        say "open files limited to $files: at most ${maxconn[1]} connections (maxconn $MAXCONN in the config)"
    fi
    # -db: in the foreground of its own process (so its output goes to the log), put in the background here.
    nohup "$binary" -db "${maxconn[@]}" -f "$dir/haproxy.cfg" >>"$dir/haproxy.log" 2>&1 </dev/null &
    printf '%s\n' "$!" >"$dir/haproxy.pid"
    pid="$!"
    for _ in $(seq 1 $((START_SECONDS * 10))); do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 20 "$dir/haproxy.log" >&2 || true
            die "haproxy exited during start-up (see $dir/haproxy.log)"
        fi
        port=""
        for port in "$mqtt" "$ws" "$api"; do
            listening "$port" || { port="wait"; break; }
        done
        if [[ "$port" != "wait" ]]; then
            say "haproxy running (pid $pid): MQTT $LOOPBACK:$mqtt, WebSocket $LOOPBACK:$ws, API $LOOPBACK:$api"
            return 0
        fi
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    die "haproxy did not listen on $LOOPBACK:$mqtt, :$ws and :$api within $START_SECONDS s (see $dir/haproxy.log)"
}

stop() {
    [[ "$#" -eq 1 ]] || usage
    local dir="$1" pid
    if ! pid="$(pid_of "$dir")"; then
        say "haproxy is not running from $dir"
        return 0
    fi
    kill -TERM "$pid"
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || { say "haproxy stopped (pid $pid)"; return 0; }
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    say "haproxy did not stop on SIGTERM within 10 s: killed (pid $pid)"
}

main() {
    [[ "$#" -ge 1 ]] || usage
    local command="$1"
    shift
    case "$command" in
        config) config "$@" ;;
        start) start "$@" ;;
        stop) stop "$@" ;;
        -h | --help) usage ;;
        *) usage ;;
    esac
}

main "$@"
