#!/bin/sh
# An idle service: reports its pid, then sleeps (one process, no wake-ups).
# usage: idle.sh STATE NAME; writes STATE/ready/NAME. SIGTERM ends it at once.
echo $$ >"$1/ready/$2"
exec sleep 86400
