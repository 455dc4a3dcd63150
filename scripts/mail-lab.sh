#!/usr/bin/env bash
# The mail lab: Dovecot (IMAP 127.0.0.1:1143, LMTP 127.0.0.1:2424) and Postfix (SMTP 127.0.0.1:2525,
# delivering to Dovecot over LMTP) on loopback, from their own config directories under $MAIL_LAB_ROOT.
# No systemd, /etc untouched. Any address at the lab domains is a mailbox that logs in with one password;
# plus-addressing (support+x@helpdesk.test) lands in the base mailbox.
#
#   scripts/mail-lab.sh start|stop|status|purge
#
# Environment: MAIL_LAB_ROOT (default /var/lib/mailcase-lab), MAIL_LAB_PASSWORD (default lab-secret),
# MAIL_LAB_DOMAINS (extra domains, space separated).
set -euo pipefail

ROOT="${MAIL_LAB_ROOT:-/var/lib/mailcase-lab}"
PASSWORD="${MAIL_LAB_PASSWORD:-lab-secret}"
DOMAINS="helpdesk.test customer.test example.cz example.pl example.cn acme.test globex.test bench.test ${MAIL_LAB_DOMAINS:-}"
# Mail to this domain is accepted and then bounced with a real DSN to the envelope sender (bounce tests).
BOUNCE_DOMAIN="bounce.test"
IMAP_PORT=1143
LMTP_PORT=2424
SMTP_PORT=2525

log() { printf 'mail-lab: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() { # port name logfile
  local i
  for i in $(seq 1 100); do port_open "$1" && return 0; sleep 0.1; done
  die "$2 did not answer on 127.0.0.1:$1 within 10 s; see $3"
}

install_packages() {
  local missing=()
  command -v dovecot >/dev/null || missing+=(dovecot-imapd)
  [ -x /usr/lib/dovecot/lmtp ] || missing+=(dovecot-lmtpd)
  command -v postfix >/dev/null || missing+=(postfix)
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "need root to install ${missing[*]} (apt-get)"
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get update -qq >/dev/null
  # policy-rc.d may refuse to start the system instances; we run our own, so that is fine.
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

render_configs() {
  mkdir -p "$ROOT"/{etc,run/dovecot,lib/dovecot,log,vmail} "$ROOT"/postfix/{etc,spool,data}
  chown nobody:nogroup "$ROOT/vmail"
  chmod 755 "$ROOT" "$ROOT/run"
  touch "$ROOT/log/dovecot.log" "$ROOT/log/postfix.log"
  cat >"$ROOT/etc/dovecot.conf" <<CONF
instance_name = mailcase-lab
base_dir = $ROOT/run/dovecot
state_dir = $ROOT/lib/dovecot
log_path = $ROOT/log/dovecot.log
protocols = imap lmtp
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_username_format = %Lu
recipient_delimiter = +
lmtp_save_to_detail_mailbox = no
mail_location = maildir:$ROOT/vmail/%d/%n/Maildir
mail_fsync = never
first_valid_uid = 1
# Every address is a mailbox with the lab password; nothing is listed per user.
passdb {
  driver = static
  args = password=$PASSWORD
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$ROOT/vmail/%d/%n
}
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $LMTP_PORT
  }
}
service stats {
  unix_listener stats-reader {
    mode = 0666
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
protocol lmtp {
  postmaster_address = postmaster@helpdesk.test
}
CONF
  cat >"$ROOT/postfix/etc/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $ROOT/postfix/spool
data_directory = $ROOT/postfix/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $ROOT/log/postfix.log
maillog_file_prefixes = /var, /dev/stdout, $ROOT/log
myhostname = mx.helpdesk.test
mydomain = helpdesk.test
myorigin = \$mydomain
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
local_recipient_maps =
local_transport = error:local delivery disabled
alias_maps =
alias_database =
virtual_mailbox_domains = ${DOMAINS// /, }
virtual_mailbox_maps = static:OK
virtual_transport = lmtp:inet:127.0.0.1:$LMTP_PORT
relay_domains = $BOUNCE_DOMAIN
# Accepted at SMTP time, then handed to a port where nothing listens; with a zero queue lifetime Postfix
# returns a real DSN at the first failed attempt (an error: transport would reject at RCPT time instead).
transport_maps = inline:{ $BOUNCE_DOMAIN=smtp:[127.0.0.1]:9 }
maximal_queue_lifetime = 0
bounce_queue_lifetime = 0
recipient_delimiter = +
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_recipient_restrictions = permit_mynetworks, reject
default_transport = error:outbound mail disabled in the lab
relay_transport = error:outbound mail disabled in the lab
smtpd_banner = \$myhostname ESMTP mailcase-lab
biff = no
smtputf8_enable = yes
message_size_limit = 52428800
disable_dns_lookups = yes
smtp_dns_support_level = disabled
lmtp_destination_concurrency_limit = 50
default_process_limit = 200
CONF
  cat >"$ROOT/postfix/etc/master.cf" <<CONF
127.0.0.1:$SMTP_PORT inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
lmtp      unix  - - n - - lmtp
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
CONF
  chown postfix "$ROOT/postfix/data"
}

dovecot_running() { [ -f "$ROOT/run/dovecot/master.pid" ] && kill -0 "$(cat "$ROOT/run/dovecot/master.pid")" 2>/dev/null; }
postfix_running() { postfix -c "$ROOT/postfix/etc" status >/dev/null 2>&1; }

start() {
  install_packages
  render_configs
  if dovecot_running; then doveadm -c "$ROOT/etc/dovecot.conf" reload
  # The daemons must not hold the caller's stdout: a pipe (`… | tail`) would never close.
  else dovecot -c "$ROOT/etc/dovecot.conf" </dev/null >>"$ROOT/log/dovecot-start.log" 2>&1 || die "dovecot failed to start; see $ROOT/log/dovecot.log"
  fi
  # Postfix reports fatal errors only to syslog or a TTY: give it a TTY so its message reaches us.
  if postfix_running; then postfix -c "$ROOT/postfix/etc" reload >/dev/null 2>&1
  else script -qec "postfix -c $ROOT/postfix/etc start" /dev/null </dev/null >"$ROOT/log/postfix-start.log" 2>&1 \
    || die "postfix failed to start: $(tr -d '\r' <"$ROOT/log/postfix-start.log" | tail -3)"
  fi
  wait_port $IMAP_PORT "Dovecot IMAP" "$ROOT/log/dovecot.log"
  wait_port $SMTP_PORT "Postfix SMTP" "$ROOT/log/postfix.log"
  log "up: IMAP 127.0.0.1:$IMAP_PORT, SMTP 127.0.0.1:$SMTP_PORT, password '$PASSWORD', root $ROOT"
}

stop() {
  postfix_running && postfix -c "$ROOT/postfix/etc" stop >/dev/null 2>&1 || true
  dovecot_running && doveadm -c "$ROOT/etc/dovecot.conf" stop 2>/dev/null || true
  for _ in $(seq 1 50); do port_open $IMAP_PORT || port_open $SMTP_PORT || break; sleep 0.1; done
  log "stopped"
}

status() {
  local ok=0
  port_open $IMAP_PORT && log "IMAP 127.0.0.1:$IMAP_PORT up" || { log "IMAP down"; ok=1; }
  port_open $SMTP_PORT && log "SMTP 127.0.0.1:$SMTP_PORT up" || { log "SMTP down"; ok=1; }
  return $ok
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  purge) stop; rm -rf "$ROOT"; log "purged $ROOT" ;;
  *) echo "usage: $0 start|stop|status|purge" >&2; exit 2 ;;
esac
