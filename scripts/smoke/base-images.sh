# shellcheck shell=bash
# base-images.sh: sourced by scripts/compose-smoke.sh. Stand-ins for the
# two base images the Dockerfile names, for machines that can reach Debian's
# package mirror but no image registry.
#
#   debian:<release>-slim             debootstrap --variant=minbase <release>
#   rust:<version>-slim-<release>     the same, plus gcc, libc6-dev,
#                                     ca-certificates (what the official slim
#                                     Rust image adds) and this machine's own
#                                     Rust toolchain, which must be <version>
#
# They are tagged with the official names (docker.io/library/...), and
# podman's store keeps them between runs: each is made once per machine. An
# image that exists is never replaced, so on a machine that can pull the
# official images, those are used instead.
#
# The Dockerfile names its bases by tag and digest (rust:X@sha256:...). A
# stand-in cannot have the official digest, so the build swaps each pinned
# reference for its stand-in with `--build-context REFERENCE=docker-image://
# STAND-IN` (base_image_contexts below), which replaces exactly that FROM.

# The external base images of a Dockerfile: every FROM reference pinned by
# digest, as written (stages built from other stages carry no digest).
dockerfile_bases() {
  sed -n 's/^FROM \([^ ]*@sha256:[0-9a-f]\{64\}\)\( .*\)\{0,1\}$/\1/p' "$1"
}

# The stand-in for a pinned reference: its tag, under docker.io/library/.
stand_in_for() {
  printf 'docker.io/library/%s' "${1%@sha256:*}"
}

# ensure_base_images DOCKERFILE: make whichever of the two is missing.
ensure_base_images() {
  local dockerfile=$1 reference rust="" slim="" rust_version debian_release
  while read -r reference; do
    case ${reference%@*} in
      rust:*-slim-*) rust=$(stand_in_for "$reference") ;;
      debian:*-slim) slim=$(stand_in_for "$reference") ;;
      *) die "$dockerfile: no stand-in is made for $reference" ;;
    esac
  done < <(dockerfile_bases "$dockerfile")
  [[ -n $rust && -n $slim ]] ||
    die "cannot find the pinned rust:<version>-slim-<release> and debian:<release>-slim FROM lines in $dockerfile"
  # rust:1.95.0-slim-bookworm -> 1.95.0 and bookworm.
  rust_version=${rust##*:}
  rust_version=${rust_version%%-slim-*}
  debian_release=${rust##*-slim-}
  [[ $slim == "docker.io/library/debian:${debian_release}-slim" ]] ||
    die "$dockerfile: the Rust image is $debian_release, the runtime image is ${slim##*:}"

  if ! podman image exists "$slim"; then
    make_debian_image "$slim" "$debian_release" ""
  fi
  if ! podman image exists "$rust"; then
    make_rust_image "$rust" "$debian_release" "$rust_version"
  fi
  say "base images: $slim, $rust"
}

# base_image_contexts DOCKERFILE: the `podman build` arguments that swap
# each pinned base for its stand-in, one argument a line.
base_image_contexts() {
  local reference
  while read -r reference; do
    printf -- '--build-context=%s=docker-image://%s\n' "$reference" "$(stand_in_for "$reference")"
  done < <(dockerfile_bases "$1")
}

# make_debian_image TAG RELEASE EXTRA_PACKAGES [--change ...]: a minbase
# root filesystem imported as TAG. Bounded: debootstrap takes about 30 s.
make_debian_image() {
  local tag=$1 release=$2 packages=$3 rootfs
  shift 3
  rootfs=$(mktemp -d "${TMPDIR:-/tmp}/capstone-rootfs.XXXXXX")
  say "creating $tag with debootstrap (once per machine)"
  timeout 600 debootstrap --variant=minbase ${packages:+--include="$packages"} \
    "$release" "$rootfs" http://deb.debian.org/debian >"$rootfs.log" 2>&1 ||
    die "debootstrap failed; see $rootfs.log"
  # Like the official image: no package cache, no lists.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  if [[ -n ${STAND_IN_HOOK:-} ]]; then
    "$STAND_IN_HOOK" "$rootfs"
  fi
  tar -C "$rootfs" -c . | podman import "$@" - "$tag" >/dev/null
  rm -rf "$rootfs" "$rootfs.log"
}

# make_rust_image TAG RELEASE VERSION: the official slim Rust image's layout
# (RUSTUP_HOME=/usr/local/rustup, CARGO_HOME=/usr/local/cargo, both on
# PATH), filled from this machine's toolchain.
make_rust_image() {
  local tag=$1 release=$2 version=$3 toolchain
  toolchain=$(rustc --print sysroot)
  rustc --version | grep -q "^rustc $version " ||
    die "the Dockerfile pins Rust $version but this machine has $(rustc --version)"
  # Copies the toolchain (without its HTML docs) into the root filesystem,
  # and this machine's CA bundle, so cargo inside the build reaches
  # crates.io through the same TLS interception the host sees.
  copy_toolchain() {
    local rootfs=$1 target
    target="$rootfs/usr/local/rustup/toolchains/$version-x86_64-unknown-linux-gnu"
    mkdir -p "$target" "$rootfs/usr/local/cargo/bin"
    cp -a "$toolchain"/bin "$toolchain"/lib "$toolchain"/libexec "$target"/
    for tool in "$target"/bin/*; do
      ln -s "${tool#"$rootfs"}" "$rootfs/usr/local/cargo/bin/$(basename "$tool")"
    done
    cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
  }
  STAND_IN_HOOK=copy_toolchain make_debian_image "$tag" "$release" \
    ca-certificates,gcc,libc6-dev \
    --change "ENV RUSTUP_HOME=/usr/local/rustup" \
    --change "ENV CARGO_HOME=/usr/local/cargo" \
    --change "ENV PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --change "ENV RUST_VERSION=$version"
}
