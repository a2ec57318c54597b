# Earshot's live service on a Java 17 runtime, from the jar that `mvn package` (or ./earshot, or deploy/setup.sh)
# has built on this machine: nothing is downloaded when the image is built from it or when it runs.
#   mvn -B -Dmaven.test.skip=true package && docker build -t earshot .
# docker-compose.yml builds it the same way (no registry). Checked against pom.xml and the configuration by
# src/test/java/org/earshot/deploy/ComposeConsistencyTest.java.
FROM eclipse-temurin:17-jre

# The jar finds its dependencies in lib/ beside it (Class-Path in its manifest). .dockerignore leaves out the
# PyTorch jars, which only `earshot train` needs: serving runs on ONNX Runtime (a test runs a model without them).
COPY target/lib/ /opt/earshot/lib/
COPY target/earshot.jar /opt/earshot/earshot.jar
COPY models/ /opt/earshot/models/

# Runs as an unprivileged user; docker-compose.yml runs it as the owner of the bind-mounted data directory instead
# (any uid works: nothing here needs a home directory, DJL's cache is in /tmp).
RUN useradd --system --uid 10001 --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin earshot \
    && mkdir -p /data && chown earshot /data
USER 10001
WORKDIR /opt/earshot

# The same settings as the ./earshot launcher: no model or engine downloads (ai.djl.offline), the model and demo
# resolved from earshot.home. The JVM takes 3/4 of the container's memory limit unless EARSHOT_JAVA_OPTS says
# otherwise (e.g. -Xmx2g).
ENV EARSHOT_DATA_DIR=/data \
    EARSHOT_JAVA_OPTS="-XX:MaxRAMPercentage=75" \
    PYTORCH_FLAVOR=cpu \
    DJL_CACHE_DIR=/tmp/djl \
    ENGINE_CACHE_DIR=/tmp/djl
VOLUME /data

# HTTP (/health, /metrics, /api/v1), WebSocket ingest, and the embedded MQTT endpoint (ingest.mode embedded only).
EXPOSE 8080 8081 1883 9464

# The image has neither curl nor wget, and starting a JVM every few seconds would cost more than the check: bash's
# /dev/tcp sends the request and the status line must say 200 (503 names a failing check: journal, broker).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${EARSHOT_HTTP_PORT:-8080} && printf 'GET /health HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && read -r -t 4 status <&3 && [[ $status == *' 200 '* ]]"]

ENTRYPOINT ["bash", "-c", "exec java $EARSHOT_JAVA_OPTS -Dai.djl.offline=true -Dearshot.home=/opt/earshot -jar /opt/earshot/earshot.jar \"$@\"", "earshot"]
CMD ["serve"]
