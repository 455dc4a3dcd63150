#!/usr/bin/env bash
# Makes sure PostgreSQL (127.0.0.1:5432, trust auth for postgres) and Redis (127.0.0.1:6379) answer:
# installs the Debian packages when missing and starts the servers without systemd. Idempotent.
set -euo pipefail

log() { printf 'services: %s\n' "$*" >&2; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {
  for _ in $(seq 1 150); do port_open "$1" && return 0; sleep 0.2; done
  log "$2 did not come up on 127.0.0.1:$1"; exit 1
}
apt_install() {
  [ "$(id -u)" = 0 ] || { log "need root to install $*"; exit 1; }
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if ! port_open 5432; then
  command -v pg_ctlcluster >/dev/null || { log "installing postgresql"; apt_install postgresql; }
  version="$(ls /etc/postgresql | sort -V | tail -1)"
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  # A fresh cluster asks for passwords over TCP; the project's defaults use trust on loopback.
  if ! grep -qE '^host\s+all\s+all\s+127\.0\.0\.1/32\s+trust' "$hba"; then
    sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  fi
  log "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
  wait_port 5432 PostgreSQL
fi

if ! port_open 6379; then
  command -v redis-server >/dev/null || { log "installing redis-server"; apt_install redis-server; }
  mkdir -p /var/lib/redis /var/log/redis
  log "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_port 6379 Redis
fi

# The portal's browser tests drive Debian's headless Chromium through playwright-core (never a browser
# download); fonts-liberation gives screenshots real glyphs. CHROMIUM_PATH points elsewhere if wanted.
if [ -z "${CHROMIUM_PATH:-}" ] && [ ! -x /usr/lib/chromium/chromium-headless-shell ]; then
  log "installing chromium-headless-shell and fonts-liberation (browser tests)"
  apt_install chromium-headless-shell fonts-liberation
fi
