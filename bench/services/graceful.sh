#!/bin/sh
# A service that needs 300 ms of cleanup after SIGTERM.   usage: graceful.sh STATE NAME
# Writes STATE/ready/NAME (its pid) once running, STATE/marks/NAME.term when TERM arrives, and
# STATE/marks/NAME.clean once its cleanup has finished: the proof it was not cut short.
state=$1
name=$2
child=
cleanup() {
  echo term >"$state/marks/$name.term"
  # Stop the idle child too, so nothing of this service outlives it.
  [ -n "$child" ] && kill "$child" 2>/dev/null && wait "$child" 2>/dev/null
  sleep 0.3
  echo clean >"$state/marks/$name.clean"
  exit 0
}
trap cleanup TERM
# The shell runs a trap only between commands or inside `wait`, so idle in `wait`.
sleep 86400 &
child=$!
echo $$ >"$state/ready/$name"
wait "$child"
