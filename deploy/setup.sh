#!/usr/bin/env bash
# Prepares (and maintains) the single-machine deployment of docker-compose.yml. Run it from anywhere:
#   deploy/setup.sh                           first use: builds the jar, creates sensor-1, the broker's password file
#                                             and .env with new secrets; later runs change nothing that exists
#   deploy/setup.sh add-sensor ID [OPTIONS]   a new sensor (OPTIONS as `earshot sensors add`: --location ...);
#                                             its token goes to data/ID.credentials.csv
#   deploy/setup.sh add-credentials FILE.csv...  broker passwords for sensors already in data/sensors.json whose
#                                             credentials CSV is not data/ID.credentials.csv
#   deploy/setup.sh rotate-service-password   a new password for Earshot's broker user
# Every run checks that each enabled sensor of data/sensors.json has a broker user, taking missing ones from
# data/ID.credentials.csv, and names each sensor the broker would still refuse (its token is only in the CSV that
# `earshot sensors add` wrote: the sensors file keeps a hash, which cannot make a broker password).
# Secrets (.env, data/*.credentials.csv, deploy/mosquitto/passwords) are mode 600 and ignored by git.
# Steps and reasons: docs/DEPLOYMENT.md. Tested by src/test/java/org/earshot/deploy/DeployBrokerIT.java.
set -euo pipefail
umask 077

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# EARSHOT_COMMAND: how to run `earshot` (the tests run it from their class path instead of the jar).
if [ -n "${EARSHOT_COMMAND:-}" ]; then
  read -r -a earshot <<< "$EARSHOT_COMMAND"
else
  earshot=("$root/earshot")
fi
env_file=.env
sensors=data/sensors.json
passwords=deploy/mosquitto/passwords
service_user=earshot
# The uid the eclipse-mosquitto image drops to when started as root.
mosquitto_image_uid=1883

say() { echo "setup: $*" >&2; }

new_secret() { head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }

# The value of KEY in .env ("" when absent).
env_value() { sed -n "s/^$1=//p" "$env_file" 2>/dev/null | tail -n 1; }

# Sets KEY=VALUE in .env (mode 600), replacing an earlier value.
set_env() {
  local tmp
  tmp="$(mktemp "$env_file.XXXXXX")"
  { grep -v "^$1=" "$env_file" 2>/dev/null || true; echo "$1=$2"; } > "$tmp"
  chmod 600 "$tmp"
  mv -f "$tmp" "$env_file"
}

# Mosquitto must read its password file (mode 600): the containers run as this user (docker-compose.yml's `user:`).
# Root is the exception: Mosquitto then drops to its own user, so that user gets the file.
fix_password_file_owner() {
  if [ "$(id -u)" = 0 ]; then
    chown "$mosquitto_image_uid:$mosquitto_image_uid" "$passwords"
  fi
}

write_ids() {
  if [ -z "$(env_value EARSHOT_UID)" ]; then
    set_env EARSHOT_UID "$(id -u)"
    set_env EARSHOT_GID "$(id -g)"
    if [ "$(id -u)" = 0 ]; then
      set_env MOSQUITTO_UID "$mosquitto_image_uid"
      set_env MOSQUITTO_GID "$mosquitto_image_uid"
    else
      set_env MOSQUITTO_UID "$(id -u)"
      set_env MOSQUITTO_GID "$(id -g)"
    fi
  fi
}

service_password_entry() {
  EARSHOT_BROKER_PASSWORD="$(env_value EARSHOT_BROKER_PASSWORD)" \
    "${earshot[@]}" mosquitto-passwords --out "$passwords" --service-user "$service_user"
}

# Reloads the broker's users when the compose services run (no-op otherwise); with "recreate", also recreates
# Earshot so that it reads a changed .env. (A changed sensors file needs no restart: the service reads it again.)
apply() {
  local recreate="${1:-}"
  if command -v docker > /dev/null 2>&1 && [ -n "$(docker compose ps -q mosquitto 2> /dev/null)" ]; then
    docker compose kill -s HUP mosquitto
    if [ "$recreate" = recreate ]; then
      # Recreated, not restarted, so that it also reads a changed .env.
      docker compose up -d --force-recreate earshot
    fi
  elif [ "$recreate" = recreate ]; then
    say "when the services run, apply it with: docker compose kill -s HUP mosquitto &&" \
      "docker compose up -d --force-recreate earshot"
  else
    say "when the services run, apply it with: docker compose kill -s HUP mosquitto"
  fi
}

# The enabled sensors of the sensors file, one id a line.
enabled_sensors() {
  "${earshot[@]}" sensors list --file "$sensors" | awk -F '\t' '$2 == "enabled" { print $1 }'
}

has_broker_user() { [ -f "$passwords" ] && cut -d: -f1 "$passwords" | grep -qxF -- "$1"; }

# Gives every enabled sensor without a broker user the password in data/ID.credentials.csv when that file exists,
# then names each one still without: the broker refuses those. Sets $left_out to their ids.
cover_sensors() {
  local id
  left_out=()
  [ -f "$sensors" ] || return 0
  while IFS= read -r id; do
    has_broker_user "$id" && continue
    if [ -f "data/$id.credentials.csv" ]; then
      "${earshot[@]}" mosquitto-passwords --out "$passwords" --credentials "data/$id.credentials.csv"
      has_broker_user "$id" && continue
    fi
    left_out+=("$id")
  done < <(enabled_sensors)
  fix_password_file_owner
  for id in "${left_out[@]}"; do
    say "sensor $id is in $sensors but has no broker password: the broker will refuse it. Its token is only in"
    say "  the credentials CSV written when it was added (the sensors file keeps a hash), and data/$id.credentials.csv"
    say "  does not exist. Give that CSV: deploy/setup.sh add-credentials FILE.csv (or add the sensor again under a"
    say "  new id with deploy/setup.sh add-sensor)"
  done
}

# "ready", or which sensors the broker will refuse.
ready_line() {
  if [ ${#left_out[@]} -eq 0 ]; then
    say "ready: every enabled sensor of $sensors has a broker password. $1"
  else
    say "ready, EXCEPT ${#left_out[@]} sensor(s) the broker will refuse (see above): ${left_out[*]}. $1"
  fi
}

init() {
  # Builds target/earshot.jar and target/lib/ (what the Dockerfile copies) when missing or older than the sources.
  "${earshot[@]}" --version > /dev/null
  # data/cluster/*: the data folders of docker-compose.yml's cluster profile (docs/DEPLOYMENT.md, "Cluster mode").
  mkdir -p data data/cluster/earshot-node-1 data/cluster/earshot-node-2 data/cluster/journal-writer
  if [ ! -f "$sensors" ]; then
    "${earshot[@]}" sensors add --id sensor-1 --file "$sensors" --credentials-out data/sensor-1.credentials.csv
    "${earshot[@]}" mosquitto-passwords --out "$passwords" --credentials data/sensor-1.credentials.csv
  fi
  # Sensors made before (e.g. by `earshot serve` or `earshot sensors add`): their tokens are only in their
  # credentials files; each one still without a broker user is named.
  cover_sensors
  if [ -z "$(env_value EARSHOT_BROKER_PASSWORD)" ]; then
    set_env EARSHOT_BROKER_PASSWORD "$(new_secret)"
    service_password_entry
  elif ! grep -q "^$service_user:" "$passwords" 2> /dev/null; then
    service_password_entry
  fi
  if [ -z "$(env_value GRAFANA_ADMIN_PASSWORD)" ]; then
    set_env GRAFANA_ADMIN_PASSWORD "$(new_secret)"
  fi
  write_ids
  fix_password_file_owner
  # Grafana's dashboard provider reads this directory; it must exist before the first `docker compose up`.
  (umask 022 && mkdir -p grafana/dashboards grafana/provisioning)
  ready_line "Start with: docker compose up -d --build"
  say "then stream the demo: ./earshot simulate --credentials data/sensor-1.credentials.csv"
  say "Grafana: http://localhost:3000 (admin, password GRAFANA_ADMIN_PASSWORD in .env); API: http://localhost:8080"
}

case "${1:-init}" in
  init)
    init
    ;;
  add-sensor)
    [ $# -ge 2 ] || { say "usage: deploy/setup.sh add-sensor ID [earshot sensors add options]"; exit 2; }
    [ -f "$passwords" ] || { say "run deploy/setup.sh first"; exit 2; }
    id="$2"
    shift 2
    "${earshot[@]}" sensors add --id "$id" --file "$sensors" --credentials-out "data/$id.credentials.csv" "$@"
    "${earshot[@]}" mosquitto-passwords --out "$passwords" --credentials "data/$id.credentials.csv"
    fix_password_file_owner
    say "sensor $id added; its token is in data/$id.credentials.csv (give it to the sensor, then delete it here)"
    cover_sensors
    apply
    ;;
  add-credentials)
    [ $# -ge 2 ] || { say "usage: deploy/setup.sh add-credentials FILE.csv..."; exit 2; }
    [ -f "$passwords" ] || { say "run deploy/setup.sh first"; exit 2; }
    shift
    registered="$(enabled_sensors)"
    for csv in "$@"; do
      # Only sensors the service knows: a broker user for anything else would be a way in that Earshot refuses.
      while IFS=, read -r id _; do
        [ "$id" = sensor ] && continue
        grep -qx -- "$id" <<< "$registered" \
          || { say "$csv: sensor $id is not an enabled sensor of $sensors; nothing changed"; exit 2; }
      done < "$csv"
    done
    "${earshot[@]}" mosquitto-passwords --out "$passwords" "${@/#/--credentials=}"
    cover_sensors
    ready_line ""
    apply
    ;;
  rotate-service-password)
    [ -f "$passwords" ] || { say "run deploy/setup.sh first"; exit 2; }
    set_env EARSHOT_BROKER_PASSWORD "$(new_secret)"
    service_password_entry
    fix_password_file_owner
    say "new password for broker user $service_user in $env_file and $passwords"
    apply recreate
    ;;
  *)
    say "unknown command '$1' (init, add-sensor, add-credentials, rotate-service-password)"
    exit 2
    ;;
esac
