#!/usr/bin/env bash
# The demo behind `make demo`: start the bundled Brightpearl sandbox, run
# `meltano run tap-brightpearl target-duckdb` against it, read the per-stream row counts back
# from the DuckDB file and check them against what the tap emits. The sandbox is stopped on
# success, on failure and on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
MELTANO="${MELTANO_VENV:-.venv-meltano}/bin/meltano"
PORT=${DEMO_PORT:-8734}
OUT=output
DB="$OUT/brightpearl.duckdb"
SCHEMA=tap_brightpearl  # the default_target_schema of meltano.yml
EMITTED="$OUT/demo-tap-output.jsonl"
SANDBOX_LOG="$OUT/demo-sandbox.log"
RUN_LOG="$OUT/demo-meltano-run.log"
INVOKE_LOG="$OUT/demo-tap-invoke.log"
DUCKDB_PYTHON=.meltano/loaders/target-duckdb/venv/bin/python

export MELTANO_SEND_ANONYMOUS_USAGE_STATS=false MELTANO_SNOWPLOW_COLLECTOR_ENDPOINTS='[]'
# A shell set up for production must not point the demo at a real account.
for var in "${!TAP_BRIGHTPEARL_@}"; do unset "$var"; done
if [ "$PORT" != 8734 ]; then
  export TAP_BRIGHTPEARL_API_URL="http://127.0.0.1:$PORT"
fi

step() { printf '\n==> %s\n' "$*"; }
start=$SECONDS
mkdir -p "$OUT"

if "$VENV/bin/python" scripts/wait_http.py --port "$PORT" --timeout 0 2>/dev/null; then
  echo "Port $PORT is already taken (another sandbox?). Stop it, or run: make demo DEMO_PORT=8735" >&2
  exit 1
fi

step "Starting the Brightpearl sandbox on 127.0.0.1:$PORT (log: $SANDBOX_LOG)"
"$VENV/bin/brightpearl-sandbox" --port "$PORT" >"$SANDBOX_LOG" 2>&1 &
sandbox_pid=$!
stop_sandbox() {
  if kill -0 "$sandbox_pid" 2>/dev/null; then
    kill "$sandbox_pid" 2>/dev/null || true
    wait "$sandbox_pid" 2>/dev/null || true
    tail -n 1 "$SANDBOX_LOG"  # brightpearl-sandbox stopped: N API requests, ...
  fi
}
trap stop_sandbox EXIT
trap 'echo "Interrupted." >&2; exit 130' INT TERM
"$VENV/bin/python" scripts/wait_http.py --port "$PORT" --timeout 30 --pid "$sandbox_pid" || {
  echo "The sandbox did not come up; its log:" >&2
  cat "$SANDBOX_LOG" >&2
  exit 1
}

step "Installing the Meltano plugins tap-brightpearl (this checkout) and target-duckdb from PyPI: about 1 minute the first time"
"$MELTANO" install tap-brightpearl target-duckdb

step "meltano --environment=sandbox run tap-brightpearl target-duckdb (full log: $RUN_LOG)"
rm -f "$DB" "$DB.wal"
# The SDK's per-request METRIC lines go to the log file only, so the tap's own lines stand out.
"$MELTANO" --environment=sandbox run --full-refresh tap-brightpearl target-duckdb 2>&1 |
  tee "$RUN_LOG" | grep --line-buffered -v 'METRIC: '

step "Running the tap once more to count what it emits (the sandbox data is static)"
"$MELTANO" --environment=sandbox invoke tap-brightpearl >"$EMITTED" 2>"$INVOKE_LOG" || {
  tail -n 40 "$INVOKE_LOG" >&2
  exit 1
}

step "Rows per stream in $DB, checked against the tap's output"
# deleted_records is empty on a first sweep, and every demo run is one (a full refresh); README's
# "Deleted records" section shows how to see it fill against the sandbox. Contact custom-field
# values cost a request per contact: opt-in (contact_custom_fields), off in the demo.
"$DUCKDB_PYTHON" scripts/demo_counts.py --db "$DB" --schema "$SCHEMA" --emitted "$EMITTED" \
  --may-be-empty "deleted_records=a first sweep has nothing to compare with" \
  --may-be-empty "contact_custom_field_values=opt-in, contact_custom_fields is off"

echo
echo "Demo finished in $((SECONDS - start)) s. Query the data with the duckdb Python module, e.g.:"
echo "  $DUCKDB_PYTHON -c \"import duckdb; con = duckdb.connect('$DB'); con.sql('select * from $SCHEMA.orders limit 5').show()\""
