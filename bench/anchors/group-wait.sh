#!/bin/bash
# The limit of a graceful stop (an anchor, run as `tini -g -- group-wait.sh`): every service's
# ./run started directly in the background, no supervisor. tini -g sends SIGTERM to this
# script's process group, one kill(2) that reaches every service at once; the script survives
# it (a trap, not an ignore: an ignored TERM would be inherited by the services) and waits,
# without forking, until every service has exited; then tini reaps it and exits.
trap : TERM
for run in /etc/service/*/run; do
  (cd "${run%/run}" && exec ./run) &
done
# `wait` returns above 128 when the trap interrupts it and 0 once no child is left.
until wait; do :; done
