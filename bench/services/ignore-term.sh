#!/bin/sh
# A service that ignores SIGTERM (it only notes it).   usage: ignore-term.sh STATE NAME
# Writes STATE/ready/NAME (its pid) once running and STATE/marks/NAME.term each time TERM
# arrives. Only SIGKILL ends it; the bench finds out who sent it (bench/tools/deathwatch.c).
state=$1
name=$2
trap 'echo term >>"$state/marks/$name.term"' TERM
echo $$ >"$state/ready/$name"
# Short sleeps: if the shell is SIGKILLed alone, its last child is gone within a second.
while :; do
  sleep 1 &
  wait $!
done
