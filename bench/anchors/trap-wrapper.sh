#!/bin/sh
# The classic shell init (an anchor): runsvdir in the background and, on SIGTERM, `sv stop` on
# each service one after another, then runsvdir is stopped and the shell exits. `exit` in a trap
# keeps the status of the interrupted `wait`: 143.
svdir=/etc/service
stop() {
  for svc in "$svdir"/*; do
    [ -d "$svc" ] && sv stop "$svc"
  done
  kill "$runsvdir"
  exit
}
trap stop TERM
runsvdir "$svdir" &
runsvdir=$!
wait "$runsvdir"
