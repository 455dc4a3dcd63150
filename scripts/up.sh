#!/usr/bin/env bash
# Brings a machine to the point where `mailcase start` works on local defaults:
# PostgreSQL + Redis up, the mail lab up, the database migrated, the lab configuration applied.
# Idempotent; safe to run before every start.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/services.sh
bash scripts/mail-lab.sh start
npx prisma migrate deploy
# The local lab runs on the public default secret; production sets MAILCASE_SECRET and never runs this script.
MAILCASE_LAB_MODE="${MAILCASE_LAB_MODE:-1}" node bin/mailcase.mjs config apply "${MAILCASE_CONFIG:-config/lab.yaml}"
