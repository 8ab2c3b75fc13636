# Sourced by build-runner-image.sh and build-bundle-image.sh: makes (once) the base image the
# Dockerfiles build on where no registry can be reached, Debian bookworm from debootstrap plus
# this machine's Node 20, and sets `base` to its name. Expects `cache`, `mirror`, `bah` and `log`.
node_version=$(node -p 'process.versions.node')
[[ $node_version == 20.* ]] || { echo "expected Node 20 on the PATH, found $node_version" >&2; exit 1; }
base=localhost/slipway-base:bookworm-node$node_version
mkdir -p "$cache"

# 1. Debian bookworm (minbase, as bookworm-slim), with the CAs this machine trusts: where an
#    intercepting proxy stands between it and npm or PyPI, the build inside must trust it too.
rootfs_tar=$cache/bookworm-minbase.tar
if [[ ! -f $rootfs_tar ]]; then
  log "debootstrap bookworm from $mirror"
  tmp=$(mktemp -d "$cache/rootfs.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  debootstrap --variant=minbase --include=ca-certificates bookworm "$tmp" "$mirror" >&2
  cat >"$tmp/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
  cp /usr/local/share/ca-certificates/*.crt "$tmp/usr/local/share/ca-certificates/" 2>/dev/null || true
  chroot "$tmp" update-ca-certificates >&2
  rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/lib/apt/lists/*
  tar -C "$tmp" -cf "$rootfs_tar.partial" . && mv "$rootfs_tar.partial" "$rootfs_tar"
  rm -rf "$tmp" && trap - EXIT
fi

# 2. The base image: that rootfs plus this machine's node and npm where the official node
#    images keep theirs (/usr/local), so that the Dockerfile runs on it unchanged.
if ! bah inspect --type image "$base" >/dev/null 2>&1; then
  log "making $base"
  ctr=$(bah from scratch)
  mnt=$(bah mount "$ctr")
  tar -C "$mnt" -xf "$rootfs_tar"
  npm_dir=$(dirname "$(dirname "$(realpath "$(command -v npm)")")")
  install -D "$(realpath "$(command -v node)")" "$mnt/usr/local/bin/node"
  mkdir -p "$mnt/usr/local/lib/node_modules"
  cp -a "$npm_dir" "$mnt/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$mnt/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$mnt/usr/local/bin/npx"
  bah umount "$ctr" >/dev/null
  # Node and pip (the venv's, 23.0) read their own CA lists unless told to use the system's.
  bah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
    --env PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    --cmd node "$ctr"
  bah commit --rm "$ctr" "$base" >/dev/null
fi
