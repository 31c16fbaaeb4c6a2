#!/bin/sh
# dinmeter on InfluxDB 2.x: buckets, DBRP mappings and downsampling tasks (infra/influxdb2/README.md).
# Generated from backend/src/storage/influx2-setup.ts: edit there, then retention.cli.ts --influx2 infra/influxdb2.
# Needs the influx CLI (2.x) pointed at the org with an all-access or operator token:
#   influx config create --active -n dinmeter -u http://influx:8086 -o home -t <token>
# Safe to run again: what exists is left alone.
set -eu
BUCKET=${BUCKET:-dinmeter}         # INFLUX_BUCKET of the backend
DB=${DB:-dinmeter}                 # INFLUX_DB: the database name InfluxQL uses
RAW_RETENTION=${RAW_RETENTION:-30d} # INFLUX_RAW_RETENTION
HERE=$(cd "$(dirname "$0")" && pwd)

bucket_id() { influx bucket list --name "$1" --hide-headers 2>/dev/null | awk '{print $1}'; }

ensure_bucket() { # name retention (0 = forever)
  if [ -z "$(bucket_id "$1")" ]; then influx bucket create --name "$1" --retention "$2" >/dev/null; echo "bucket $1 (retention $2)"; fi
}

ensure_dbrp() { # rp bucket [--default]
  if ! influx v1 dbrp list --db "$DB" --rp "$1" --hide-headers 2>/dev/null | grep -q .; then
    influx v1 dbrp create --db "$DB" --rp "$1" --bucket-id "$(bucket_id "$2")" ${3:-} >/dev/null
    echo "dbrp $DB/$1 -> $2"
  fi
}

ensure_task() { # file: the template's bucket names become $BUCKET's
  name=$(sed -n 's/^option task = {name: "\([^"]*\)".*/\1/p' "$1")
  if ! influx task list --hide-headers 2>/dev/null | grep -q "$name"; then
    flux=$(mktemp)
    sed 's/bucket: "dinmeter/bucket: "'"$BUCKET"'/g' "$1" > "$flux"
    influx task create --file "$flux" >/dev/null
    rm -f "$flux"
    echo "task $name"
  fi
}

ensure_bucket "${BUCKET}" "$RAW_RETENTION"
ensure_bucket "${BUCKET}_1m" 400d
ensure_bucket "${BUCKET}_15m" 0
ensure_bucket "${BUCKET}_history" 0
ensure_dbrp autogen "${BUCKET}" --default
ensure_dbrp rp_1m "${BUCKET}_1m"
ensure_dbrp rp_15m "${BUCKET}_15m"
ensure_dbrp rp_history "${BUCKET}_history"
ensure_task "$HERE/tasks/downsample-1m.flux"
ensure_task "$HERE/tasks/downsample-15m.flux"
ensure_task "$HERE/tasks/history.flux"
