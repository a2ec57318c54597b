#!/usr/bin/env bash
# Prepares (and maintains) the single-machine deployment of docker-compose.yml. Run it from anywhere:
#   deploy/setup.sh                           first use: builds the jar, creates sensor-1, the broker's password file
#                                             and .env with new secrets; later runs change nothing that exists
#   deploy/setup.sh add-sensor ID [OPTIONS]   a new sensor (OPTIONS as `earshot sensors add`: --location ...);
#                                             its token goes to data/ID.credentials.csv
#   deploy/setup.sh rotate-service-password   a new password for Earshot's broker user
# Secrets (.env, data/*.credentials.csv, deploy/mosquitto/passwords) are mode 600 and ignored by git.
# Steps and reasons: docs/DEPLOYMENT.md. Tested by src/test/java/org/earshot/deploy/SetupScriptIT.java.
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

# Reloads the broker's users and restarts Earshot when the compose services run (no-op otherwise).
apply() {
  if command -v docker > /dev/null 2>&1 && [ -n "$(docker compose ps -q mosquitto 2> /dev/null)" ]; then
    docker compose kill -s HUP mosquitto
    # Recreated, not restarted, so that it also reads a changed .env.
    docker compose up -d --force-recreate earshot
  else
    say "when the services run, apply it with: docker compose kill -s HUP mosquitto &&" \
      "docker compose up -d --force-recreate earshot"
  fi
}

init() {
  # Builds target/earshot.jar and target/lib/ (what the Dockerfile copies) when missing or older than the sources.
  "${earshot[@]}" --version > /dev/null
  mkdir -p data
  if [ ! -f "$sensors" ]; then
    "${earshot[@]}" sensors add --id sensor-1 --file "$sensors" --credentials-out data/sensor-1.credentials.csv
    "${earshot[@]}" mosquitto-passwords --out "$passwords" --credentials data/sensor-1.credentials.csv
  elif [ ! -f "$passwords" ]; then
    # Sensors made before (e.g. by `earshot serve`): their tokens are only in their credentials files.
    shopt -s nullglob
    credentials=(data/*.credentials.csv)
    shopt -u nullglob
    if [ ${#credentials[@]} -eq 0 ]; then
      say "$sensors exists but no data/*.credentials.csv holds its tokens; add each sensor to the broker with"
      say "  ./earshot mosquitto-passwords --out $passwords --credentials FILE.csv"
    else
      "${earshot[@]}" mosquitto-passwords --out "$passwords" "${credentials[@]/#/--credentials=}"
    fi
  fi
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
  say "ready. Start with: docker compose up -d --build"
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
    apply
    ;;
  rotate-service-password)
    [ -f "$passwords" ] || { say "run deploy/setup.sh first"; exit 2; }
    set_env EARSHOT_BROKER_PASSWORD "$(new_secret)"
    service_password_entry
    fix_password_file_owner
    say "new password for broker user $service_user in $env_file and $passwords"
    apply
    ;;
  *)
    say "unknown command '$1' (init, add-sensor, rotate-service-password)"
    exit 2
    ;;
esac
