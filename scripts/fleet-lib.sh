# Shared by scripts/cluster-scan and scripts/cluster-faults (sourced, not run): one machine
# made into a PostgreSQL server and three worker "machines", network namespaces that reach
# the server only over veth pairs of their own.

# fleet_postgres: sets `bin` to the newest installed PostgreSQL's programs, installing
# Debian's postgresql when there is none.
fleet_postgres() {
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
    if [ -z "$bin" ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
        bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    fi
}

# fleet_links NS HOST PEER NET: namespaces NS1..NS3; namespace i has NET.i.2 on its end PEERi
# of a veth pair whose server side HOSTi has NET.i.1. Sets `listen` to ",NET.1.1,NET.2.1,NET.3.1"
# (the server's addresses on the links, for listen_addresses).
fleet_links() {
    local ns=$1 host=$2 peer=$3 net=$4 i
    listen=""
    for i in 1 2 3; do
        ip netns del "$ns$i" 2>/dev/null || true
        ip link del "$host$i" 2>/dev/null || true
        ip netns add "$ns$i"
        ip link add "$host$i" type veth peer name "$peer$i"
        ip link set "$peer$i" netns "$ns$i"
        ip addr add "$net.$i.1/30" dev "$host$i"
        ip link set "$host$i" up
        ip netns exec "$ns$i" ip addr add "$net.$i.2/30" dev "$peer$i"
        ip netns exec "$ns$i" ip link set "$peer$i" up
        ip netns exec "$ns$i" ip link set lo up
        listen="$listen,$net.$i.1"
    done
}

# fleet_unlink NS HOST: removes what fleet_links made (deleting a namespace removes its end).
fleet_unlink() {
    local i
    for i in 1 2 3; do
        ip netns del "$1$i" 2>/dev/null || true
        ip link del "$2$i" 2>/dev/null || true
    done
}

# fleet_initdb DIR NET: a new cluster in DIR owned by postgres, trusting the links' addresses.
fleet_initdb() {
    mkdir "$1" && chown postgres "$1"
    runuser -u postgres -- "$bin/initdb" -D "$1" -A trust -U postgres >/dev/null
    echo "host all all $2.0.0/16 trust" >> "$1/pg_hba.conf"
}

# fleet_stop PID...: Ctrl-C for each (continued first if frozen). One started late may not have
# set up its handler yet (a signal can then be lost on the way through `ip netns exec`): asked
# again each second, and stopped outright after ten.
fleet_stop() {
    local pid
    for pid in "$@"; do
        kill -CONT "$pid" 2>/dev/null || true
        for _ in $(seq 1 10); do
            kill -INT "$pid" 2>/dev/null || break
            for _ in $(seq 1 10); do kill -0 "$pid" 2>/dev/null || break 2; sleep 0.1; done
        done
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}
