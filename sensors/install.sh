#!/usr/bin/env bash
# Sets up a Debian or Raspberry Pi OS machine as an Earshot sensor running the reference agent (sensors/README.md):
# a Java 17 runtime and arecord, the user earshot-sensor (group audio), the agent jar (target/earshot-agent.jar) in
# /opt/earshot, the sensor's row of its credentials in /etc/earshot/credentials.csv (mode 600), its settings in
# /etc/earshot/sensor.env, and the systemd
# unit earshot-sensor.service, enabled and (re)started. Safe to run again: it brings an existing installation to the
# state the arguments describe, and keeps the installed credentials when --credentials is not given.
set -euo pipefail

readonly SERVICE_USER=earshot-sensor
readonly OPT_DIR=/opt/earshot
readonly AGENT_JAR=earshot-agent.jar
readonly ETC_DIR=/etc/earshot
readonly CREDENTIALS_DEST=$ETC_DIR/credentials.csv
readonly TRUSTSTORE_DEST=$ETC_DIR/trust.p12
readonly ENV_FILE=$ETC_DIR/sensor.env
readonly UNIT_NAME=earshot-sensor.service
readonly UNIT_DEST=/etc/systemd/system/$UNIT_NAME
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly here

usage() {
  cat <<'EOF'
Usage: sudo sensors/install.sh --jar PATH/earshot-agent.jar --host HOST [options]

Installs or updates the Earshot sensor agent as the systemd service earshot-sensor.

  --jar FILE                 the agent jar, earshot-agent.jar (about 12 MB, nothing else needed), as built by
                             `mvn -B -Dmaven.test.skip=true package` (target/earshot-agent.jar)
  --host HOST                the Earshot service (earshot serve) to stream to
  --credentials FILE.csv     the sensor's credentials from `earshot sensors add --credentials-out`; its row
                             (the first, or --id's) is installed as /etc/earshot/credentials.csv, mode 600
                             (required the first time)
  --id SENSOR                the row of --credentials to use when the file has several (default: the first)
  --transport mqtt|websocket default mqtt
  --port PORT                default 1883 for mqtt, 8081 for websocket (8883 is usual for MQTT over TLS)
  --device ALSA_DEVICE       capture device, default plughw:1,0 (see `arecord -l`)
  --rate HZ                  sample rate to record and send, default 16000
  --truststore FILE.p12      connect with TLS, trusting the certificates in this PKCS#12 trust store
  --truststore-password P    its password (default changeit; it protects nothing secret; no spaces)
  --no-start                 install and enable, but do not (re)start the service now
  -h, --help                 this text

Exit codes: 0 done, 1 a step failed, 2 bad arguments or not run as root.
EOF
}

fail_usage() {
  echo "install.sh: $*" >&2
  echo "install.sh: see sensors/install.sh --help" >&2
  exit 2
}

jar="" host="" credentials="" sensor_id="" transport=mqtt port="" device=plughw:1,0 rate=16000
truststore="" truststore_password=changeit start=yes
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --no-start) start=no; shift; continue ;;
    --jar|--host|--credentials|--id|--transport|--port|--device|--rate|--truststore|--truststore-password)
      [ $# -ge 2 ] || fail_usage "$1 needs a value" ;;
    *) fail_usage "unknown argument: $1" ;;
  esac
  case "$1" in
    --jar) jar=$2 ;;
    --host) host=$2 ;;
    --credentials) credentials=$2 ;;
    --id) sensor_id=$2 ;;
    --transport) transport=$2 ;;
    --port) port=$2 ;;
    --device) device=$2 ;;
    --rate) rate=$2 ;;
    --truststore) truststore=$2 ;;
    --truststore-password) truststore_password=$2 ;;
  esac
  shift 2
done

# Everything that can be checked without root is checked first, so that a mistake costs nothing.
[ -n "$jar" ] || fail_usage "--jar is required: target/earshot-agent.jar (build it with: mvn -B -Dmaven.test.skip=true package)"
[ -f "$jar" ] || fail_usage "--jar $jar: no such file"
# The service's earshot.jar needs its 274 MB lib/ folder (PyTorch, ONNX Runtime); the agent jar holds all it needs.
[ "$(basename "$jar")" != earshot.jar ] || fail_usage "--jar $jar: that is the service's jar; give the agent jar, target/earshot-agent.jar"
[ "$(head -c 2 "$jar")" = PK ] || fail_usage "--jar $jar: not a jar file"
[ -n "$host" ] || fail_usage "--host is required (the Earshot service's host name or address)"
[[ $host =~ ^[A-Za-z0-9.:_-]+$ ]] || fail_usage "--host must be a host name or address, got '$host'"
case "$transport" in
  mqtt) default_port=1883 ;;
  websocket) default_port=8081 ;;
  *) fail_usage "--transport must be mqtt or websocket, got '$transport'" ;;
esac
port=${port:-$default_port}
if ! [[ $port =~ ^[0-9]{1,5}$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
  fail_usage "--port must be 1..65535, got '$port'"
fi
if ! [[ $rate =~ ^[0-9]{4,6}$ ]] || [ "$rate" -lt 8000 ] || [ "$rate" -gt 192000 ]; then
  fail_usage "--rate must be 8000..192000 Hz, got '$rate'"
fi
[[ $device =~ ^[A-Za-z0-9:,=_.-]+$ ]] || fail_usage "--device must be an ALSA device name such as plughw:1,0, got '$device'"
if [ -n "$credentials" ]; then
  [ -f "$credentials" ] || fail_usage "--credentials $credentials: no such file"
  [ "$(head -n 1 "$credentials" | tr -d '\r')" = "sensor,token" ] \
    || fail_usage "--credentials $credentials: the first line must be sensor,token (a file from earshot sensors add --credentials-out)"
  [ "$(grep -c . "$credentials")" -ge 2 ] || fail_usage "--credentials $credentials: no sensor row after the header"
  # The row to install: line number, sensor id and the row itself (the first row, or --id's).
  row_line="$(tr -d '\r' <"$credentials" | awk -F, -v id="$sensor_id" \
    'NR > 1 && NF >= 2 && $1 != "" && (id == "" || $1 == id) { print NR; exit }')"
  if [ -z "$row_line" ]; then
    [ -n "$sensor_id" ] && fail_usage "--credentials $credentials: no row for sensor '$sensor_id' (--id)"
    fail_usage "--credentials $credentials: no sensor row after the header"
  fi
  row="$(tr -d '\r' <"$credentials" | sed -n "${row_line}p")"
  row_id="${row%%,*}"
  rows="$(tr -d '\r' <"$credentials" | awk -F, 'NR > 1 && NF >= 2 && $1 != ""' | wc -l)"
elif [ -n "$sensor_id" ]; then
  fail_usage "--id needs --credentials (the file whose row to install)"
fi
if [ -n "$truststore" ]; then
  [ -f "$truststore" ] || fail_usage "--truststore $truststore: no such file"
  [[ $truststore_password =~ ^[^[:space:]\'\"\\\$]+$ ]] \
    || fail_usage "--truststore-password must not be empty or contain spaces, quotes, backslashes or \$"
fi
[ -f "$here/$UNIT_NAME" ] || fail_usage "$here/$UNIT_NAME is missing; run the script from the repository's sensors/ folder"
[ "$(id -u)" -eq 0 ] || fail_usage "run as root (sudo): it installs packages, a user and a systemd service"
# The last check before anything changes: a first installation needs the sensor's credentials.
if [ -z "$credentials" ] && [ ! -f "$CREDENTIALS_DEST" ]; then
  fail_usage "no credentials installed yet: give --credentials FILE.csv (from earshot sensors add on the server)"
fi

step() { echo "install.sh: $*" >&2; }

java_major() {
  # "openjdk version "17.0.9" ..." or "1.8.0_392": the major version, or 0 without a java.
  command -v java >/dev/null 2>&1 || { echo 0; return; }
  local major
  major="$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\)\.\{0,1\}\([0-9]*\).*/\1 \2/p' | head -n 1 \
    | awk '{ print ($1 == 1 ? $2 : $1) }')"
  echo "${major:-0}"
}

apt_updated=no
apt_install() {
  if [ "$apt_updated" = no ]; then
    apt-get update -q
    apt_updated=yes
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}

if [ "$(java_major)" -lt 17 ]; then
  step "installing a Java 17 runtime"
  apt-get update -q
  apt_updated=yes
  # Debian 12 and Raspberry Pi OS 12 have openjdk-17; later releases only a newer default, which runs the jar too.
  if apt-cache show openjdk-17-jre-headless >/dev/null 2>&1; then
    apt_install openjdk-17-jre-headless
  else
    apt_install default-jre-headless
  fi
  [ "$(java_major)" -ge 17 ] || { echo "install.sh: java is still older than 17: $(java -version 2>&1 | head -n 1)" >&2; exit 1; }
fi
if ! command -v arecord >/dev/null 2>&1; then
  step "installing alsa-utils (arecord)"
  apt_install alsa-utils
fi

if getent passwd "$SERVICE_USER" >/dev/null; then
  usermod --append --groups audio "$SERVICE_USER"
else
  step "creating the system user $SERVICE_USER (group audio)"
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
    --groups audio "$SERVICE_USER"
fi

step "installing $jar as $OPT_DIR/$AGENT_JAR"
install -d -m 755 -o root -g root "$OPT_DIR"
install -m 644 -o root -g root "$jar" "$OPT_DIR/$AGENT_JAR.new"
agent_version="$(java -jar "$OPT_DIR/$AGENT_JAR.new" --version 2>&1 || true)"
case "$agent_version" in
  earshot-agent*) ;;
  *) rm -f "$OPT_DIR/$AGENT_JAR.new"
     echo "install.sh: $jar is not the agent jar (java -jar $jar --version said: $agent_version)" >&2
     exit 1 ;;
esac
mv -f "$OPT_DIR/$AGENT_JAR.new" "$OPT_DIR/$AGENT_JAR"
# Earlier installations copied the service's jar and its 274 MB lib/ folder.
rm -rf "$OPT_DIR/earshot.jar" "$OPT_DIR/lib"

# /etc/earshot: readable by the agent's group only; the token file by the agent's user only.
install -d -m 750 -o root -g "$SERVICE_USER" "$ETC_DIR"
if [ -n "$credentials" ]; then
  if [ -n "$sensor_id" ]; then
    which_row="chosen by --id"
  elif [ "$rows" -eq 1 ]; then
    which_row="its only row"
  else
    which_row="the first of $rows rows; give --id to pick another"
  fi
  step "credentials: sensor $row_id, line $row_line of $credentials ($which_row)"
  step "installing that row alone as $CREDENTIALS_DEST (mode 600, owner $SERVICE_USER)"
  creds_tmp="$(mktemp "$ETC_DIR/.credentials.XXXXXX")"
  printf 'sensor,token\n%s\n' "$row" >"$creds_tmp"
  chown "$SERVICE_USER:$SERVICE_USER" "$creds_tmp"
  chmod 600 "$creds_tmp"
  mv -f "$creds_tmp" "$CREDENTIALS_DEST"
else
  step "credentials: keeping the installed $CREDENTIALS_DEST (sensor $(tr -d '\r' <"$CREDENTIALS_DEST" | awk -F, 'NR == 2 { print $1 }'))"
fi

tls_args=""
if [ -n "$truststore" ]; then
  install -m 640 -o root -g "$SERVICE_USER" "$truststore" "$TRUSTSTORE_DEST"
  tls_args="--truststore $TRUSTSTORE_DEST --truststore-password $truststore_password"
fi

step "writing $ENV_FILE"
env_tmp="$(mktemp "$ETC_DIR/.sensor.env.XXXXXX")"
cat >"$env_tmp" <<EOF
# Settings of earshot-sensor.service, written by sensors/install.sh. After editing:
#   sudo systemctl restart earshot-sensor
# The Earshot service to stream to (earshot serve), its port and the transport (mqtt or websocket).
SENSOR_HOST=$host
SENSOR_PORT=$port
SENSOR_TRANSPORT=$transport
# The capture device (arecord -l lists them: card 1, device 0 is plughw:1,0) and the sample rate sent.
ALSA_DEVICE=$device
SENSOR_RATE=$rate
# Empty without TLS; with TLS: --truststore $TRUSTSTORE_DEST --truststore-password PASSWORD
SENSOR_TLS_ARGS=$tls_args
EOF
chown root:"$SERVICE_USER" "$env_tmp"
chmod 640 "$env_tmp"
mv -f "$env_tmp" "$ENV_FILE"

step "installing $UNIT_DEST"
install -m 644 -o root -g root "$here/$UNIT_NAME" "$UNIT_DEST"

# time-sync.target only waits for a synchronised clock when one of these is enabled (sensors/README.md, clock).
if systemctl is-enabled --quiet chrony.service 2>/dev/null && systemctl cat chrony-wait.service >/dev/null 2>&1; then
  systemctl enable --quiet chrony-wait.service
elif systemctl cat systemd-time-wait-sync.service >/dev/null 2>&1; then
  systemctl enable --quiet systemd-time-wait-sync.service
else
  step "warning: no clock synchronisation service found; install chrony (sensors/README.md, clock)"
fi

systemctl daemon-reload
systemctl enable --quiet "$UNIT_NAME"
if [ "$start" = yes ]; then
  step "(re)starting $UNIT_NAME"
  systemctl restart "$UNIT_NAME"
  step "done; follow it with: journalctl -u earshot-sensor -f"
else
  step "done; start it with: sudo systemctl start earshot-sensor"
fi
if [ -n "$credentials" ]; then
  step "delete $credentials now that it is installed (and the copy on the server): whoever reads it can pose as this sensor"
fi
