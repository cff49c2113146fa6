# msirig on Debian bookworm, for reproducing findings and fuzzing locally (README: "Docker").
#   docker build -t msirig .
#   docker run --rm msirig repro crashes/planted_msi_lock/input.txt
#   docker run --rm msirig run schedule_fuzz --seconds 60
# The entrypoint is the CLI (tools/msirig, through infra/docker/entrypoint.sh). Dependencies come
# from tools/install-deps.sh, the same script the README's commands use.
FROM debian:bookworm

ENV DEBIAN_FRONTEND=noninteractive \
    LANG=C.UTF-8 \
    MSIRIG_BUILD=/src/msirig/build

WORKDIR /src/msirig

# The toolchain first, so that a source change does not reinstall it.
COPY tools/install-deps.sh tools/install-deps.sh
RUN tools/install-deps.sh --afl && rm -rf /var/lib/apt/lists/*

COPY . .

# What to build into the image: "repro" (the asan replay binaries, the seeds and the recorded
# crashes: all `repro` needs), "all" (also the libFuzzer fuzz targets `run` uses) or "none"
# (the CLI builds on first use).
ARG MSIRIG_PREBUILD=all
RUN infra/docker/prebuild.sh "$MSIRIG_PREBUILD"

ENTRYPOINT ["infra/docker/entrypoint.sh"]
CMD ["help"]
