#!/bin/bash
# A service that forks nothing while it stops.   usage: quiet.sh STATE NAME
# Everything after start-up is a bash builtin, so on 2 cores the stop figures are the init's and
# not this script's forks: timestamps from $EPOCHREALTIME (CLOCK_REALTIME, microseconds), the
# 300 ms cleanup as `read -t 0.3` on a FIFO nobody writes to, idling in `read` (bash runs the
# TERM trap while `read` waits, and `read -t` keeps to its timeout; checked with strace -f: no
# clone or execve from TERM to exit). Writes STATE/ready/NAME (its pid) once running,
# STATE/marks/NAME.term (the time TERM arrived), NAME.clean once the cleanup is over and
# NAME.exit (the time just before `exit`).
state=$1
name=$2
fifo=$state/marks/$name.fifo
mkfifo "$fifo" # the one fork, at start-up
# Read-write: the open does not wait for a writer and reads never see end-of-file.
exec 3<>"$fifo"
stopping=
stop() {
  local at=$EPOCHREALTIME
  # runsv sends TERM then CONT; a second TERM (an escalating init) must not restart the cleanup.
  [[ -n $stopping ]] && return
  stopping=1
  printf '%s\n' "$at" >"$state/marks/$name.term"
  read -r -t 0.3 -u 3
  printf 'clean\n' >"$state/marks/$name.clean"
  printf '%s\n' "$EPOCHREALTIME" >"$state/marks/$name.exit"
  exit 0
}
trap stop TERM
printf '%s\n' "$$" >"$state/ready/$name"
while :; do
  read -r -u 3
done
