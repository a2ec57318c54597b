#!/usr/bin/env bash
# Makes sure the servers the integration tests start themselves are installed:
#
#   scripts/ensure-services.sh [mosquitto] [influxdb] [haproxy]
#
# Called by scripts/test.sh, never by the tests themselves. For each named service whose binary (mosquitto, influxd,
# haproxy) is missing from PATH and /usr/sbin, installs the Debian package (mosquitto, influxdb, haproxy) with
# apt-get, non-interactively, through sudo when not root, after saying so. It never starts or enables the system
# daemons: the tests run their own server processes on loopback ports they choose. Idempotent; prints one
# line per service to stderr; exits non-zero, saying what to install, when it cannot install.
set -euo pipefail

readonly PROG="ensure-services"
APT_UPDATED=0
SUDO=()

say() {
    printf '%s: %s\n' "$PROG" "$*" >&2
}

die() {
    say "ERROR: $*"
    exit 1
}

usage() {
    printf 'usage: %s [mosquitto] [influxdb] [haproxy]\n' "$0" >&2
    exit 2
}

# Prints the path of the named binary, looking in PATH and then in the sbin folders (not always in a user's PATH).
find_binary() {
    local name="$1" dir
    if command -v "$name" >/dev/null 2>&1; then
        command -v "$name"
        return 0
    fi
    for dir in /usr/sbin /usr/local/sbin /sbin; do
        if [[ -x "$dir/$name" ]]; then
            printf '%s\n' "$dir/$name"
            return 0
        fi
    done
    return 1
}

setup_privileges() {
    if [[ "$(id -u)" -eq 0 ]]; then
        SUDO=()
    elif command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo -n)
    else
        return 1
    fi
}

# Debian's maintainer scripts start daemons through invoke-rc.d, which asks /usr/sbin/policy-rc.d first: exit code 101
# means "action forbidden". Ours is in place only while this script runs; one that already forbids everything (as in
# Docker images) is left alone, any other is set aside and put back on exit.
readonly POLICY_RC=/usr/sbin/policy-rc.d
readonly POLICY_RC_SAVED=/usr/sbin/policy-rc.d.earshot-saved
POLICY_RC_STATE=untouched

forbid_daemon_start() {
    local rc=0
    if [[ "$POLICY_RC_STATE" != untouched ]]; then
        return 0
    fi
    if [[ -e "$POLICY_RC" ]]; then
        "$POLICY_RC" earshot-probe start >/dev/null 2>&1 || rc=$?
        if [[ "$rc" -eq 101 ]]; then
            POLICY_RC_STATE=kept
            return 0
        fi
        "${SUDO[@]}" mv "$POLICY_RC" "$POLICY_RC_SAVED"
        POLICY_RC_STATE=saved
    else
        POLICY_RC_STATE=created
    fi
    printf '#!/bin/sh\n# Written by earshot scripts/ensure-services.sh while it installs packages.\nexit 101\n' \
        | "${SUDO[@]}" tee "$POLICY_RC" >/dev/null
    "${SUDO[@]}" chmod 755 "$POLICY_RC"
}

cleanup() {
    case "$POLICY_RC_STATE" in
        created) "${SUDO[@]}" rm -f "$POLICY_RC" || true ;;
        saved) "${SUDO[@]}" mv -f "$POLICY_RC_SAVED" "$POLICY_RC" || true ;;
        *) ;;
    esac
}
trap cleanup EXIT

apt_install() {
    local package="$1"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        -o DPkg::Lock::Timeout=300 "$package" >&2
}

install_package() {
    local package="$1"
    if ! command -v apt-get >/dev/null 2>&1; then
        return 1
    fi
    if ! setup_privileges; then
        say "not root and no sudo: cannot run apt-get"
        return 1
    fi
    if [[ "${#SUDO[@]}" -eq 0 ]]; then
        say "running apt-get install $package as root"
    else
        say "running apt-get install $package through sudo"
    fi
    forbid_daemon_start
    if apt_install "$package"; then
        return 0
    fi
    if [[ "$APT_UPDATED" -eq 0 ]]; then
        say "apt-get install $package failed; running apt-get update once and retrying"
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q -o DPkg::Lock::Timeout=300 >&2 || return 1
        APT_UPDATED=1
        apt_install "$package"
        return
    fi
    return 1
}

# The package's postinst enables its unit for boot even though policy-rc.d kept it from starting: undo that (and stop
# it, should a running systemd have started it anyway). Best effort: the tests never use the system daemon.
disable_daemon() {
    local unit="$1"
    if command -v systemctl >/dev/null 2>&1; then
        if [[ -d /run/systemd/system ]]; then
            "${SUDO[@]}" systemctl stop "${unit}.service" >/dev/null 2>&1 || true
        fi
        "${SUDO[@]}" systemctl disable "${unit}.service" >/dev/null 2>&1 || true
    elif command -v update-rc.d >/dev/null 2>&1; then
        "${SUDO[@]}" update-rc.d "$unit" disable >/dev/null 2>&1 || true
    fi
}

ensure() {
    local service="$1" binary="$2" package="$3" path
    if path="$(find_binary "$binary")"; then
        say "$service present: $path"
        return 0
    fi
    say "$service missing: installing Debian package '$package'"
    if ! install_package "$package"; then
        die "could not install $service: install the Debian package '$package' (sudo apt-get install $package)," \
            "which provides the '$binary' binary"
    fi
    if ! path="$(find_binary "$binary")"; then
        die "package '$package' installed but no '$binary' binary found in PATH or /usr/sbin"
    fi
    disable_daemon "$package"
    say "$service installed: $path (system daemon not started, not enabled)"
}

main() {
    local service
    if [[ "$#" -eq 0 ]]; then
        usage
    fi
    for service in "$@"; do
        case "$service" in
            mosquitto) ensure mosquitto mosquitto mosquitto ;;
            influxdb) ensure influxdb influxd influxdb ;;
            haproxy) ensure haproxy haproxy haproxy ;;
            -h | --help) usage ;;
            *) die "unknown service '$service' (known: mosquitto, influxdb, haproxy)" ;;
        esac
    done
}

main "$@"
