package org.earshot.app;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;

import org.earshot.api.ApiVerticle;
import org.earshot.config.ServeConfig;
import org.earshot.config.SensorRegistry;
import org.earshot.detect.Classifier;
import org.earshot.detect.DetectorConfig;
import org.earshot.ingest.BrokerIngestVerticle;
import org.earshot.ingest.FrameIntake;
import org.earshot.ingest.Listen;
import org.earshot.ingest.MqttHub;
import org.earshot.ingest.MqttIngestVerticle;
import org.earshot.ingest.ReaderDirectory;
import org.earshot.ingest.Tls;
import org.earshot.ingest.WebSocketIngestVerticle;
import org.earshot.pipeline.Metrics;
import org.earshot.pipeline.Pipeline;
import org.earshot.pipeline.SensorDetection;
import org.earshot.pipeline.SensorMetrics;
import org.earshot.store.InfluxSettings;
import org.earshot.store.InfluxWriter;
import org.earshot.store.SensorHealth;
import org.earshot.store.ServiceStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running service, wired from a {@link ServeConfig}: the pipeline, the ingest verticles of the configured mode
 * (embedded MQTT endpoint or broker subscription, plus WebSocket), the HTTP API, and the outputs (log, MQTT). The
 * only place that knows every part; {@code earshot serve} and the integration tests start it the same way. Event
 * loops that are blocked longer than {@link #MAX_EVENT_LOOP_MILLIS} are logged by Vert.x and counted in {@code
 * earshot_blocked_thread_events_total} (tests require zero).
 */
public final class Service implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Service.class);
    static final long MAX_EVENT_LOOP_MILLIS = 200;
    static final java.time.Duration JWT_LEEWAY = java.time.Duration.ofSeconds(30);
    static final int MQTT_INSTANCES = Math.max(1, Runtime.getRuntime().availableProcessors());

    private final Vertx vertx;
    private final Pipeline pipeline;
    private final Metrics metrics;
    private final List<String> deployments = new ArrayList<>();
    private final LongAdder blockedThreadEvents = new LongAdder();
    private MqttHub mqtt;
    private BrokerIngestVerticle broker;
    private WebSocketIngestVerticle websocket;
    private ApiVerticle api;
    private final QueryWiring query = new QueryWiring();
    private InfluxWriter influx;
    /** The sensors file, read again when it changes: {@link #sensorsChanged} applies and journals each change. */
    private WatchedFile<SensorRegistry> sensorsFile;
    private long sensorsTimer = -1;
    private String modelName;

    private final ServiceJournal journal;
    /** Cluster mode's sink (null on a single node): closed after the pipeline, so its last records are sent. */
    private org.earshot.cluster.ClusterSink cluster;
    /** Cluster mode's sensor lease of the embedded MQTT endpoint; null otherwise. */
    private org.earshot.cluster.LeaseBoard leases;
    /** Cluster mode: what the cluster's journal writer journaled, published on this node's MQTT outputs. */
    private org.earshot.cluster.JournaledFeed journaled;
    private long blockedAtStart;

    private Service(Vertx vertx, Pipeline pipeline, Metrics metrics, ServiceJournal journal) {
        this.vertx = vertx;
        this.pipeline = pipeline;
        this.metrics = metrics;
        this.journal = journal;
    }

    /**
     * Starts everything and returns once every server listens and, in broker mode, the first connection attempt
     * ended (a broker that is down does not stop the start: it is retried, and /health fails meanwhile). The
     * classifier stays
     * the caller's to close, after {@link #close()}.
     */
    public static Service start(ServeConfig config, SensorRegistry registry, Classifier classifier,
                                DetectorConfig detector, String modelName) throws Exception {
        Metrics metrics = new Metrics();
        // The journal first: nothing is taken in that could not be recorded.
        ServiceJournal journal = ServiceJournal.open(config, registry, modelName, detector, metrics);
        VertxOptions options = new VertxOptions().setMaxEventLoopExecuteTime(MAX_EVENT_LOOP_MILLIS)
                .setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS).setBlockedThreadCheckInterval(100)
                .setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS);
        Vertx vertx = Vertx.vertx(options);
        ServeConfig.Ingest ingest = config.ingest();
        // Cluster mode: detections and alerts go to Kafka instead of this node's journal (the journal writer
        // journals them); the node's own configuration, start, stop and API entries stay in its journal.
        org.earshot.cluster.ClusterSink cluster = null;
        if (config.cluster().enabled()) {
            try {
                cluster = ClusterNode.sink(config, journal.sink, metrics);
            } catch (java.io.IOException | RuntimeException e) {
                journal.close();
                vertx.close();
                throw e;
            }
        }
        Pipeline pipeline = new Pipeline(classifier, detector, new Pipeline.Options(config.pipeline().workers(),
                config.pipeline().inferenceThreads(), config.pipeline().maxBatch(), ingest.queueSeconds(),
                ingest.reorderFrames(), ingest.idleFlushSeconds()), metrics,
                List.of(cluster != null ? cluster : journal.sink), List.of());
        if (cluster != null) {
            cluster.addOutput(new LoggingSink(modelName));
        } else {
            journal.sink.addOutput(new LoggingSink(modelName));
        }
        Service service = new Service(vertx, pipeline, metrics, journal);
        service.cluster = cluster;
        ((VertxInternal) vertx).blockedThreadChecker().setThreadBlockedHandler(event -> {
            service.blockedThreadEvents.increment();
            LOG.warn("thread {} blocked for {} ms (limit {} ms)", event.thread().getName(),
                    event.duration() / 1_000_000, event.maxExecTime() / 1_000_000);
        });
        metrics.gauge("earshot_blocked_thread_events_total", service.blockedThreadEvents::sum);
        Runtime runtime = Runtime.getRuntime();
        metrics.gauge("earshot_jvm_heap_used_bytes", () -> runtime.totalMemory() - runtime.freeMemory());
        metrics.gauge("earshot_jvm_heap_max_bytes", runtime::maxMemory);
        // Network buffers live outside the heap, in direct memory (bounded by -XX:MaxDirectMemorySize, default -Xmx).
        java.lang.management.BufferPoolMXBean direct = java.lang.management.ManagementFactory
                .getPlatformMXBeans(java.lang.management.BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).findFirst().orElseThrow();
        metrics.gauge("earshot_jvm_direct_memory_used_bytes", direct::getMemoryUsed);
        try {
            service.deploy(config, registry, modelName);
        } catch (Exception e) {
            service.close();
            throw e;
        }
        service.blockedAtStart = service.blockedThreadEvents.sum();
        return service;
    }

    private void deploy(ServeConfig config, SensorRegistry registry, String modelName) throws Exception {
        this.modelName = modelName;
        // The file as it is now (read again, like every later change; the registry given was read a moment ago).
        sensorsFile = new WatchedFile<>("sensors file", config.sensorsFile(), SensorRegistry::load, null,
                this::sensorsChanged);
        RegistryDirectory sensors = new RegistryDirectory(sensorsFile::current);
        FrameIntake intake = new FrameIntake(pipeline, config.ingest().maxFrameBytes(),
                Math.round(config.ingest().maxClockOffsetSeconds() * 1e6));
        Tls tls = QueryWiring.tls(config);
        // One view of the API keys file for the query API and for the MQTT endpoint's readers.
        ApiKeysWatcher keys = new ApiKeysWatcher(config.apiKeysFile(), journal);
        metrics.gauge("earshot_config_reload_errors_total", () -> sensorsFile.errors() + keys.errors());
        // Checked every second off the event loops (a stat of the file; a read and a journal entry when it changed).
        WatchedFile<SensorRegistry> watched = sensorsFile;
        sensorsTimer = vertx.setPeriodic(1000, id -> vertx.executeBlocking(watched::check, false));
        Map<String, BooleanSupplier> checks = new LinkedHashMap<>();
        checks.put("journal_writable", journal.journal::healthy);
        // Threads the service cannot do without: should one stop for good, /health names it instead of saying ok.
        checks.put("journal_checkpoints", journal.journal::checkpointsHealthy);
        checks.put("inference_threads", pipeline::inferenceThreadsAlive);
        checks.put("pipeline_progress", pipeline::progressing);
        if (cluster != null) {
            // A detection Kafka did not acknowledge is not made: /health says so for a minute after each one.
            checks.put("cluster_records", cluster::healthy);
        }
        if (cluster != null) {
            // The sensor lease: each sensor connection accepted here, MQTT or WebSocket, claims the sensor; a newer
            // claim of another node closes this node's connections of it (cluster mode needs the embedded endpoint).
            leases = ClusterNode.leases(config, this::leaseLost);
        }
        if (config.ingest().mode() == ServeConfig.Mode.EMBEDDED) {
            ServeConfig.Mqtt m = config.mqtt();
            mqtt = new MqttHub(metrics, modelName, new MqttHub.Limits(m.maxConnectionsPerSensor(),
                    m.maxSubscriptionsPerConnection(), m.connectTimeoutSeconds()));
            Listen listen = new Listen(config.mqtt().host(), config.mqtt().port(), config.mqtt().tls() ? tls : null);
            MqttHub hub = mqtt;
            if (leases != null) {
                hub.onSensorConnected(leases::claim);
            }
            // One endpoint instance per core: Vert.x spreads the connections over their event loops.
            ReaderDirectory readers = (name, secret) -> readerKey(keys.get(), name, secret);
            deployments.add(vertx.deployVerticle(() -> new MqttIngestVerticle(listen, sensors, intake, hub, readers),
                    new io.vertx.core.DeploymentOptions().setInstances(MQTT_INSTANCES))
                    .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS));
            journal.sink.addOutput(mqtt);
            if (config.outputs().publishLevels()) {
                pipeline.addSink((org.earshot.pipeline.LevelSink) mqtt);
            }
            if (cluster != null) {
                // Journaled, then published: the detections, alerts and checkpoints of the cluster's journal.
                journaled = ClusterNode.journaled(config, hub::publishJournaled, hub::checkpoint);
            } else {
                // The newest signed checkpoint for readers, as broker mode retains it on the broker: the listener
                // first, then the one signed at start (the hub keeps whichever is larger).
                journal.journal.addCheckpointListener(c -> hub.checkpoint(c.treeSize(), c.toJson().toString()));
                org.earshot.journal.Checkpoint signed = journal.journal.latestCheckpoint();
                if (signed != null) {
                    hub.checkpoint(signed.treeSize(), signed.toJson().toString());
                }
            }
        } else {
            ServeConfig.Broker b = config.broker();
            broker = new BrokerIngestVerticle(new BrokerIngestVerticle.Broker(b.host(), b.port(), b.username(),
                    b.password(), b.clientId(), b.tls(), b.reconnectSeconds(),
                    ServeConfig.Broker.MAX_RECONNECT_SECONDS), sensors, intake, modelName);
            // The newest signed checkpoint, retained on the broker for auditors: the listener first, then the one
            // signed at start (the verticle keeps whichever is larger).
            // (Cluster mode is refused in broker mode: ServeConfig.)
            BrokerIngestVerticle publisher = broker;
            journal.journal.addCheckpointListener(c -> publisher.checkpoint(c.treeSize(), c.toJson().toString()));
            org.earshot.journal.Checkpoint signed = journal.journal.latestCheckpoint();
            if (signed != null) {
                broker.checkpoint(signed.treeSize(), signed.toJson().toString());
            }
            deploy(broker);
            journal.sink.addOutput(broker);
            if (config.outputs().publishLevels()) {
                pipeline.addSink((org.earshot.pipeline.LevelSink) broker);
            }
            checks.put("broker_connected", broker::isConnected);
        }
        if (config.websocket().enabled()) {
            websocket = new WebSocketIngestVerticle(new Listen(config.websocket().host(), config.websocket().port(),
                    config.websocket().tls() ? tls : null), sensors, intake, config.ingest().queueSeconds(),
                    new WebSocketIngestVerticle.Limits(config.websocket().maxConnectionsPerSensor(),
                            config.websocket().headerTimeoutSeconds(), config.websocket().idleTimeoutSeconds(),
                            config.websocket().maxConnections()));
            if (leases != null) {
                websocket.onSensorConnected(leases::claim);
            }
            deploy(websocket);
        }
        if (config.influx().enabled()) {
            startInflux(config);
        }
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("model", modelName);
        info.put("ingest_mode", config.ingest().mode().name().toLowerCase(java.util.Locale.ROOT));
        WatchedFile<SensorRegistry> known = sensorsFile;
        info.put("sensors_known", (java.util.function.Supplier<Integer>) () -> known.current().sensors().size());
        api = QueryWiring.verticle(config, tls, metrics, info, checks,
                query.queryApi(vertx, config, keys, journal, sensorsFile::current, metrics,
                        cluster == null));
        deploy(api);
    }

    /**
     * A new version of the sensors file loaded (on the checking worker): journaled as a {@code config} entry, and
     * the connections of sensors removed, disabled or given a new token, calibration or classes are closed (they
     * reconnect under the new record, or are refused); their streams end. New sensors may connect at once.
     */
    private void sensorsChanged(SensorRegistry before, SensorRegistry after) {
        SensorChanges changes = SensorChanges.between(before, after);
        LOG.info("sensors file {} changed: {} sensor(s) in force; added {}, removed or disabled {}, changed {}",
                sensorsFile.file(), after.sensors().size(), changes.added(), changes.removed(), changes.changed());
        try {
            journal.recordSensorsChange(after);
        } catch (java.io.IOException | RuntimeException e) {
            LOG.error("journal: cannot record the change of the sensors file: {}", e.toString());
        }
        for (String id : changes.toDisconnect()) {
            int closed = 0;
            if (mqtt != null) {
                closed += mqtt.closeSensor(id);
            }
            if (websocket != null) {
                websocket.disconnectSensor(id);
            }
            pipeline.endStream(id);
            LOG.info("sensors file: closing the connections of sensor {} ({} MQTT){}", id, closed,
                    websocket == null ? "" : " and its WebSocket connections");
        }
    }

    /** Cluster mode: another node holds the lease of {@code sensorId} now; this node's connections of it go. */
    private void leaseLost(String sensorId) {
        if (mqtt != null) {
            mqtt.closeSensor(sensorId);
        }
        if (websocket != null) {
            websocket.leaseLost(sensorId);
        }
    }

    /**
     * The InfluxDB writer reads detections from the journal (catching up after outages from its saved position)
     * and takes sound levels from the pipeline into a bounded buffer; it starts even when InfluxDB is down.
     */
    private void startInflux(ServeConfig config) throws java.io.IOException {
        InfluxSettings settings = influxSettings(config);
        double activeSeconds = config.ingest().idleFlushSeconds();
        influx = new InfluxWriter(settings, new JournalDetectionSource(journal.journal, journal.index),
                () -> health(activeSeconds), this::status);
        influx.start();
        InfluxWriter writer = influx;
        journal.sink.addOutput(d -> {
            if (d.stage() == SensorDetection.Stage.FINAL) {
                writer.detectionsAppended();
            }
        });
        pipeline.addSink(writer);
        metrics.gauge("earshot_influx_connected", () -> writer.connected() ? 1 : 0);
        metrics.gauge("earshot_influx_detections_written_total", writer::detectionsWritten);
        metrics.gauge("earshot_influx_detection_lag_entries", writer::detectionLag);
        metrics.gauge("earshot_influx_write_failures_total", writer::writeFailures);
        metrics.gauge("earshot_influx_levels_written_total", writer::levelsWritten);
        metrics.gauge("earshot_influx_levels_dropped_total", writer::levelsDropped);
        metrics.gauge("earshot_influx_levels_buffered", writer::levelsBuffered);
    }

    /** The InfluxDB writer's settings from the {@code influx} section (also the cluster journal writer's). */
    static InfluxSettings influxSettings(ServeConfig config) {
        ServeConfig.Influx c = config.influx();
        return InfluxSettings.defaults(c.url(), c.database(), config.journalDir().resolveSibling("influx-position"))
                .withCredentials(c.username(), c.password())
                .withRetention(java.time.Duration.ofDays(c.detectionsRetentionDays()),
                        java.time.Duration.ofDays(c.levelsRetentionDays()))
                .withBatching(c.batchSize(), java.time.Duration.ofMillis(Math.round(c.flushSeconds() * 1000)),
                        c.levelBuffer())
                .withHealthInterval(java.time.Duration.ofMillis(Math.round(c.healthSeconds() * 1000)));
    }

    /**
     * Health of every registered sensor (those never heard from too, so that the map shows them) for InfluxDB; a
     * sensor counts as connected while it sent a frame within activeSeconds.
     */
    private List<SensorHealth> health(double activeSeconds) {
        long now = System.currentTimeMillis();
        List<SensorHealth> out = new ArrayList<>();
        for (org.earshot.config.SensorRecord s : sensorsFile.current().sensors()) {
            SensorMetrics m = metrics.sensors().get(s.id());
            long lastSeen = m == null ? 0 : m.lastSeenMillis();
            out.add(new SensorHealth(s.id(), lastSeen > 0 && now - lastSeen <= activeSeconds * 1000,
                    m == null ? 0 : m.framesAccepted(), m == null ? 0 : m.gaps(), m == null ? 0 : m.droppedFrames(),
                    m == null ? 0 : m.queuedFrames(), m == null ? 0 : m.queuedAudioMicros() / 1e6, lastSeen * 1000,
                    m == null ? 0 : m.clippedSamples(), s.location(), s.latitude(), s.longitude()));
        }
        return out;
    }

    /** The accountability figures for InfluxDB: model, journal, newest checkpoint, API requests by role. */
    private ServiceStatus status() {
        org.earshot.journal.Checkpoint c = journal.journal.latestCheckpoint();
        return new ServiceStatus(modelName, journal.journal.durableSize(), journal.journal.healthy(),
                c == null ? 0 : c.treeSize(), c == null ? 0 : c.timeMicros(), query.requests(), query.refused());
    }

    /**
     * MQTT readers are API keys of the operator or auditor role (both may read detections through the API), named
     * by the key's name; sensors' tokens read only their own errors topic.
     */
    static boolean readerKey(org.earshot.config.ApiKeyRegistry keys, String name, String secret) {
        return keys.authenticate(secret).filter(k -> k.name().equals(name))
                .filter(k -> READER_ROLES.contains(k.role())).isPresent();
    }

    static final java.util.Set<String> READER_ROLES = java.util.Set.of("operator", "auditor");

    private void deploy(io.vertx.core.Deployable verticle) throws Exception {
        Future<String> id = vertx.deployVerticle(verticle);
        deployments.add(id.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS));
    }

    public Metrics metrics() {
        return metrics;
    }

    public Pipeline pipeline() {
        return pipeline;
    }

    public long blockedThreadEvents() {
        return blockedThreadEvents.sum();
    }

    /**
     * Blocked-thread events since {@link #start} returned. Starting binds servers and loads classes on the event
     * loops, which on a loaded machine can exceed the limit once; what matters for serving is what comes after.
     */
    public long blockedThreadEventsWhileServing() {
        return blockedThreadEvents.sum() - blockedAtStart;
    }

    /** The embedded MQTT endpoint's port; -1 in broker mode. */
    public int mqttPort() {
        return mqtt == null ? -1 : mqtt.port();
    }

    /** Connections open on the embedded MQTT endpoint (their close handled); 0 in broker mode. */
    public int mqttConnections() {
        return mqtt == null ? 0 : mqtt.connections();
    }

    /** The WebSocket endpoint's port; -1 when disabled. */
    public int webSocketPort() {
        return websocket == null ? -1 : websocket.actualPort();
    }

    public int httpPort() {
        return api.actualPort();
    }

    /** The port of the {@code /metrics} listener. */
    public int metricsPort() {
        return api.metricsPort();
    }

    /** Cluster mode's sink (its acknowledged and failed counts); null on a single node. */
    public org.earshot.cluster.ClusterSink clusterSink() {
        return cluster;
    }

    public boolean brokerConnected() {
        return broker != null && broker.isConnected();
    }

    /**
     * Stops taking audio (servers close), flushes every stream so pending events are final (they go to the log
     * and to outputs still connected), then stops Vert.x.
     */
    @Override
    public void close() {
        if (sensorsTimer >= 0) {
            vertx.cancelTimer(sensorsTimer);
        }
        List<String> ids = new ArrayList<>(deployments);
        java.util.Collections.reverse(ids);
        for (String id : ids) {
            try {
                vertx.undeploy(id).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("stopping {}: {}", id, e.toString());
            }
        }
        if (leases != null) {
            leases.close();
        }
        if (journaled != null) {
            journaled.close();
        }
        pipeline.close();
        if (cluster != null) {
            cluster.close();
        }
        query.flushRefusals();
        if (influx != null) {
            influx.close();
        }
        journal.close();
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("stopping Vert.x: {}", e.toString());
        }
    }
}
