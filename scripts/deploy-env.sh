#!/bin/sh
# Write the .env that docker-compose.yml needs: a generated SECRET_KEY and
# database password, the domain, and the mail settings (asked, or given as
# options, or defaulted). Refuses to overwrite an existing .env (--force does).
#
#   scripts/deploy-env.sh                       # asks for what it needs
#   scripts/deploy-env.sh --domain union.example --email-url smtp+tls://user:pw@smtp.example:587 \
#       --from "Rank and File <hello@union.example>"
#   scripts/deploy-env.sh --domain localhost    # a trial on this machine: email printed to the log
set -eu
cd "$(dirname "$0")/.."

domain="" email_url="" from="" force="" out=".env"
while [ $# -gt 0 ]; do
  case "$1" in
    --domain) domain="$2"; shift 2 ;;
    --email-url) email_url="$2"; shift 2 ;;
    --from) from="$2"; shift 2 ;;
    --output) out="$2"; shift 2 ;;
    --force) force=1; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done

if [ -e "$out" ] && [ -z "$force" ]; then
  echo "$out exists; keeping it (--force writes a new one, with new secrets)." >&2
  exit 1
fi

ask() {  # ask VAR "question" DEFAULT: only when a person is at the terminal
  if [ -t 0 ]; then
    printf '%s [%s]: ' "$2" "$3" >&2
    read -r answer || answer=""
    eval "$1=\${answer:-\$3}"
  else
    eval "$1=\$3"
  fi
}

[ -n "$domain" ] || ask domain "Domain name the site is served at (localhost for a trial)" "localhost"
case "$domain" in
  localhost|127.0.0.1) local_trial=1 ;;
  *) local_trial="" ;;
esac
if [ -z "$email_url" ]; then
  if [ -n "$local_trial" ]; then
    ask email_url "Mail server URL (consolemail:// prints email to the log)" "consolemail://"
  else
    ask email_url "Mail server URL, e.g. smtp+tls://user:password@smtp.example:587" ""
  fi
fi
if [ -z "$email_url" ]; then
  echo "A mail server is needed to confirm sign-ups: pass --email-url smtp+tls://USER:PASSWORD@HOST:587" >&2
  exit 1
fi
[ -n "$from" ] || ask from "Address emails come from" "Rank and File <noreply@$domain>"

random() { LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c "$1"; }

umask 077  # the file holds secrets: readable by its owner only
cat >"$out" <<ENV
# Written by scripts/deploy-env.sh on $(date -u +%Y-%m-%d). Keep it secret; keep a copy
# (the SECRET_KEY signs members' links, the password opens the database).
DOMAIN=$domain
SECRET_KEY=$(random 64)
POSTGRES_PASSWORD=$(random 32)
EMAIL_URL=$email_url
DEFAULT_FROM_EMAIL=$from
# Optional: error reports to Sentry (no personal data is sent).
# SENTRY_DSN=
ENV
echo "Wrote $out for https://$domain/. Next: docker compose up -d --build" >&2
