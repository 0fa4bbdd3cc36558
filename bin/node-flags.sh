# Sourced by the launchers (bin/svinit, bin/runsvinit): sets $node, the Node to run, and $v8, its
# V8 flags, with shell builtins only (no fork before the front holds the signals).
#
# The flags were chosen by figures (docs/benchmarks.md, "memory"): --lite-mode, no optimizing
# compiler (the init's JavaScript is short steps between system calls; with 100 services 1.7 MB
# less private memory in the first second). Node 20 and 22 also get --no-expose-wasm: lite mode
# turns WebAssembly off anyway, and saying so keeps their V8 from printing a warning at every
# start; Node 24's V8 has no such flag and refuses to start with it. The major version is read
# from the node_version.h installed beside Node (official builds and Docker's node images,
# nodesource's packages, the node-linux-* npm packages), following symlinks to Node; where there
# is none, --lite-mode alone, which every version takes (Node 20 and 22 then print V8's warning). The memory reducer's delay is set at run time (src/init/v8-tuning.ts).
node=${SVINIT_NODE:-node}
v8='--lite-mode'
case $node in
  */*) nodepath=$node ;;
  *)
    nodepath=
    saved_ifs=$IFS
    IFS=:
    for dir in $PATH; do
      if [ -x "${dir:-.}/$node" ]; then nodepath=${dir:-.}/$node; break; fi
    done
    IFS=$saved_ifs
    ;;
esac
# A node reached through symlinks (a tool directory, /usr/local/bin -> a version manager's): its
# header is beside the file they lead to. readlink forks, but only in that case.
hops=0
while [ -n "$nodepath" ] && [ ! -r "${nodepath%/*}/../include/node/node_version.h" ] && [ -L "$nodepath" ] && [ $hops -lt 8 ]; do
  link=$(readlink "$nodepath") || break
  case $link in /*) nodepath=$link ;; *) nodepath=${nodepath%/*}/$link ;; esac
  hops=$((hops + 1))
done
header=${nodepath%/*}/../include/node/node_version.h
if [ -n "$nodepath" ] && [ -r "$header" ]; then
  while read -r define name value; do
    if [ "$define $name" = '#define NODE_MAJOR_VERSION' ]; then
      case $value in 20 | 22) v8='--lite-mode --no-expose-wasm' ;; esac
      break
    fi
  done < "$header"
fi
